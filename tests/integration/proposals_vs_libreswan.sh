#!/bin/bash
# Differential test of Cygnet's ike=/esp=/ah= parser against Libreswan 4.10's
# own parser (/usr/libexec/ipsec/algparse, Debian package libreswan), over
# the defaults and a generated grid of proposal strings.
#
# For every input:
#   - Cygnet accepts   -> Libreswan must accept and print the same proposals
#                         (Libreswan's default IKE DH list has MODP8192 and its
#                         AH default HMAC_SHA1_96, which Cygnet does not
#                         implement: they are removed before comparing);
#   - Cygnet says "not supported by Cygnet" -> nothing to compare (counted);
#   - Cygnet rejects otherwise -> Libreswan must reject too.
# One PASS/FAIL line per group; the mismatching inputs are listed.
. "$(dirname "$0")/lib/common.sh"

ALGPARSE=/usr/libexec/ipsec/algparse
PROPPARSE=$BUILD/tools/propparse
if [ ! -x "$ALGPARSE" ]; then
	echo "!!! Libreswan's algparse not found: proposal parser NOT compared with Libreswan !!!"
	env_skip proposals-vs-libreswan "$ALGPARSE missing (install the libreswan package)"
	exit
fi
[ -x "$PROPPARSE" ] || { fail proposals-vs-libreswan "$PROPPARSE not built"; finish; }

# algparse output -> "== KIND=TEXT" blocks like propparse's.
lsw() {
	"$ALGPARSE" -v2 -pfs "$@" 2>/dev/null |
		sed -e "s/^algparse -v2 -pfs '\(.*\)'\$/== \1/" \
		    -e 's/+MODP8192//' -e '/^\tHMAC_SHA1_96$/d'
}

# Blocks -> one line per input: "KIND=TEXT<TAB>line|line|".
flatten() {
	awk '/^== /{ if (k != "") print k "\t" v; k = substr($0, 4); v = ""; next }
	     { sub(/^\t/, ""); v = v $0 "|" }
	     END { if (k != "") print k "\t" v }'
}

# compare NAME INPUT... : run both parsers on the inputs and judge.
compare() {
	local name=$1; shift
	local bad=0 same=0 unsupported=0 both_reject=0 same_msg=0 k cy ls
	declare -A L
	while IFS=$'\t' read -r k ls; do L[$k]=$ls; done < <(lsw "$@" | flatten)
	while IFS=$'\t' read -r k cy; do
		ls=${L[$k]-MISSING}
		if [[ $cy == ERROR:* ]]; then
			if [[ $cy == *"not supported by Cygnet"* ]]; then
				unsupported=$((unsupported + 1))
			elif [[ $ls == ERROR:* ]]; then
				both_reject=$((both_reject + 1))
				[ "$cy" = "$ls" ] && same_msg=$((same_msg + 1))
			else
				bad=$((bad + 1)); echo "  $k: Cygnet '$cy' but Libreswan '$ls'"
			fi
		elif [ "$cy" = "$ls" ]; then
			same=$((same + 1))
		else
			bad=$((bad + 1)); echo "  $k: Cygnet '$cy' but Libreswan '$ls'"
		fi
	done < <("$PROPPARSE" "$@" | flatten)
	echo "  $name: $# inputs, $same same, $both_reject rejected by both ($same_msg with the same message), $unsupported not supported by Cygnet, $bad differ"
	if [ "$bad" -eq 0 ] && [ $((same + both_reject + unsupported)) -eq $# ]; then
		pass "$name"
	else
		fail "$name" "$bad of $# inputs differ from Libreswan"
	fi
}

# Defaults: algparse prints them for a bare "ike"/"esp"/"ah".
defaults=$(diff <(lsw ike esp ah | sed 's/^== \(.*\)$/== \1=/' | flatten) \
		<("$PROPPARSE" ike= esp= ah= | flatten))
if [ -z "$defaults" ]; then pass defaults; else fail defaults "$defaults"; fi

encr="aes aes128 aes256 aes_256 aes_gcm aes_gcm128 aes_gcm_256 aes_gcm_c256 aes_gcm_c chacha20_poly1305 chacha20poly1305 3des aes_ctr aes192 AES_GCM aes_gcm16 foo"
mid=(" " -sha2 -sha2_256 -sha384 -sha2_512 -sha512 -null -none -sha1 -md5 -sha2+sha2_512
     -sha2_512_256 -null-sha2 -sha2_384_192-sha2 -foo -)
dh=(" " ";dh19" -dh14 ";modp2048+ecp_384" ";dh31" -none ";dh0" ";curve25519+dh21" ";dh19;dh20" -dh19-dh20 ";" ";modp1536" ";bar")

grid() { # KIND
	local e m d
	for e in $encr; do for m in "${mid[@]}"; do for d in "${dh[@]}"; do
		printf '%s=%s%s%s\n' "$1" "$e" "${m# }" "${d# }"
	done; done; done
}
mapfile -t ike < <(grid ike)
mapfile -t esp < <(grid esp)
compare ike-grid "${ike[@]}"
compare esp-grid "${esp[@]}"

ah=()
for m in sha2 sha2_256 sha384 sha2_512 sha512 sha2_512_256 null sha1 md5 aes sha2+sha2_512 foo ""; do
	for d in "${dh[@]}"; do [ -n "$m${d# }" ] && ah+=("ah=$m${d# }"); done
done
compare ah-grid "${ah[@]}"

# Lists and man page examples.
compare lists "ike=aes-sha2;dh19,aes_gcm" "ike=aes_gcm256-sha2_512+sha2_256-dh19;modp2048,aes128-sha1" \
	"ike=aes,aes_gcm" "ike=aes," "ike=,aes" "ike=aes_gcm+chacha20_poly1305;dh14+dh19,aes+3des-sha2+sha1;dh14" \
	"ike=aes_gcm+chacha20_poly1305;dh14+dh19,aes-sha2;dh14" "ike=aes+aes_gcm" "ike=aes+aes-sha2" \
	"ike=aes-sha2;dh14+dh14" "esp=aes_gcm256,aes128-sha2" "esp=aes_gcm+chacha20_poly1305" \
	"ike=aes256-sha2;dh19" "ike=aes_gcm256-sha2" "esp=aes_gcm-null" "ike=aes128-md5;modp2048" \
	"ike= aes" "ike=aes , aes_gcm" "ike=AES-SHA2" "esp=AES_GCM256" "ike=chacha20_poly1305_256" \
	"ike=aes0" "ike=aes_0128" "ike=aes_gcm_16_256" "ike=aes_cbc256" "ike=aes-hmac_sha2_256" \
	"esp=aes-hmac_sha2_256_128" "ike=aes_gcm_c_256" "ike=aes_" "ike=aes_128_" "ike=aes-sha2;modp2048_"
finish
