#!/bin/bash
# --listpubkeys / --checkpubkeys / --utc: raw RSA keys of loaded conns, with
# "has private key" when the secrets hold the matching private key.  Keys are
# listed whatever authby= says (as Libreswan); the conn uses authby=secret
# because public-key authentication is not supported yet (refused).
. "$(dirname "$0")/lib/local_daemon.sh" pubkeys

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/ours.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1536 -out "$T/peer.pem" 2>/dev/null
chmod 600 "$T"/*.pem
raw() { printf '0s%s' "$(python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex("03010001" + sys.argv[1])).decode())' \
	"$(openssl rsa -in "$1" -noout -modulus | cut -d= -f2)")"; }
ours=$(raw "$T/ours.pem") peer=$(raw "$T/peer.pem")
cat >"$T/ipsec.conf" <<CONF
conn rsa
	left=192.0.2.1
	leftid=@west-rsa
	leftrsasigkey=$ours
	right=198.51.100.9
	rightid=@east-rsa
	rightrsasigkey=$peer
	authby=secret
	auto=add
CONF
printf ': RSA "%s"\n' "$T/ours.pem" >"$T/ipsec.secrets"; chmod 600 "$T/ipsec.secrets"
"$B" pluto --nofork --stderrlog --config "$T/ipsec.conf" --secretsfile "$T/ipsec.secrets" \
	--rundir "$R" --ipsecdir "$T" >"$T/pluto.log" 2>&1 &
pid=$!
wait_for "\"$B\" whack --ctlsocket $S --briefstatus >/dev/null 2>&1" || { fail start "$(tail -3 "$T/pluto.log")"; exit 1; }

"$B" whack --ctlsocket "$S" --utc --listpubkeys >"$T/out"; rc=$?
[ $rc -eq 0 ] && pass listpubkeys_rc || fail listpubkeys_rc "rc $rc"
# key ids are base64: escape '+' and friends before using them in a regex
ere() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
kid_ours=$(ere "$(printf '%s' "${ours#0s}" | cut -c1-9)") kid_peer=$(ere "$(printf '%s' "${peer#0s}" | cut -c1-9)")
grep -Eq "^000 [A-Z][a-z]{2} [0-9 ][0-9] [0-9:]{8} UTC [0-9]{4}, 2048 RSA Key $kid_ours \(has private key\), until --- -- --:--:-- UTC ---- ok \(expires never\)$" "$T/out" \
	&& pass own_key_has_private || fail own_key_has_private "$(cat "$T/out")"
grep -Eq "1536 RSA Key $kid_peer \(no private key\)" "$T/out" && pass peer_key_no_private || fail peer_key_no_private "$(cat "$T/out")"
grep -qx "000        ID_FQDN '@east-rsa'" "$T/out" && pass key_id_line || fail key_id_line "$(cat "$T/out")"
[ "$(head -3 "$T/out" | paste -sd'|')" = "000  |000 List of Public Keys:|000  " ] && pass header || fail header "$(head -3 "$T/out")"
"$B" whack --ctlsocket "$S" --checkpubkeys >"$T/out"
[ "$(wc -l <"$T/out")" = 4 ] && ! grep -q 'List of' "$T/out" && ! grep -q UTC "$T/out" && pass checkpubkeys_lines_only || fail checkpubkeys_lines_only "$(cat "$T/out")"
"$B" whack --ctlsocket "$S" --shutdown
wait "$pid"; pid=
exit $((fails > 0))
