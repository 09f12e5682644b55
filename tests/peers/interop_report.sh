#!/bin/bash
# Regenerate docs/INTEROP.md from the rows the interop suites wrote:
#   BUILD=build/x TESTS=interop scripts/run-tests
#   tests/peers/interop_report.sh build/x [docs/INTEROP.md]
# Reads BUILD/interop/PEER.rows (peer, scenario, direction, result, note;
# tab-separated) and PEER.peer (the exact peer version line).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=${2:-$top/docs/INTEROP.md}
dir=$build/interop
# strongSwan first (the full suite), then Libreswan, then any other peer
rows=()
for f in "$dir"/strongswan.rows "$dir"/libreswan.rows "$dir"/*.rows; do
	[ -f "$f" ] && [[ ! " ${rows[*]} " == *" $f "* ]] && rows+=("$f")
done
[ ${#rows[@]} -gt 0 ] || { echo "no $dir/*.rows: run the interop suites first" >&2; exit 1; }

cy_version=$("$build/ipsec" --version 2>/dev/null | head -1)
commit=$(git -C "$top" describe --always --dirty 2>/dev/null)
{
cat <<'HEAD'
# Interoperability

Cygnet is tested against real third-party IKEv2 daemons on every `make check`
(issue 6): `tests/integration/interop_strongswan.sh` and
`tests/integration/interop_libreswan.sh`.  Each runs one daemon of each kind in
its own network namespace (veth 192.0.2.1 ↔ 192.0.2.2 and 2001:db8::1 ↔ ::2;
protected subnets 198.51.100.0/24 ↔ 203.0.113.0/24 and 2001:db8:1::/64 ↔
2001:db8:2::/64), loads one conn per scenario on both sides, runs it in both
directions where that means something, and deletes its SAs before the next.

This file is generated from the suites' output by `tests/peers/interop_report.sh`
(rows in `$BUILD/interop/*.rows`); do not edit the tables by hand.

HEAD
echo "## Versions of this run"
echo
echo "- Cygnet: ${cy_version:-?} (tree ${commit:-?}), userspace ESP dataplane (protostack=userspace)"
for f in "${rows[@]}"; do echo "- $(cat "${f%.rows}.peer")"; done
echo "- Host kernel: $(uname -r) (XFRM policies, no kernel ESP)"
echo "- Run: $(date -u -r "$(ls -t "$dir"/*.rows | head -1)" '+%Y-%m-%d %H:%M UTC')"
echo
echo "## Matrix"
echo
echo "pass = checked and passed; n/a = cannot run on this host for a reason outside Cygnet (see below)."
echo
echo "| Peer | Scenario | Direction | Result | Details |"
echo "|---|---|---|---|---|"
cat "${rows[@]}" | awk -F'\t' '{
	r = $4; if (r == "pass") r = "pass"; else if (r == "FAIL") r = "**FAIL**"
	note = ($4 == "n/a") ? "see below" : $5
	gsub(/\|/, "\\|", note)
	printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, r, note }'
echo
total=$(cat "${rows[@]}" | wc -l)
npass=$(cat "${rows[@]}" | awk -F'\t' '$4 == "pass"' | wc -l)
nna=$(cat "${rows[@]}" | awk -F'\t' '$4 == "n/a"' | wc -l)
nfail=$(cat "${rows[@]}" | awk -F'\t' '$4 == "FAIL"' | wc -l)
echo "$total cases: $npass pass, $nfail fail, $nna n/a."
echo
echo "## Cases that cannot run here, and why"
echo
cat "${rows[@]}" | awk -F'\t' '$4 == "n/a" { printf "- %s, %s, %s: %s\n", $1, $2, $3, $5 }'
cat <<'TAIL'

## What the scenarios check

- **psk-subnet** (strongSwan): `ipsec auto --up` / `swanctl --initiate`, then a
  ping and an 8 MB iperf3 TCP transfer (paced at 100 Mbit/s) between the protected
  subnets; a capture on the veth must show ESP-in-UDP on port 4500 and no
  plaintext ICMP/TCP; the byte counters of `ipsec whack --trafficstatus` must
  equal strongSwan's `--list-sas` counters in both directions, less only what
  the receiving socket dropped (UdpRcvbufErrors; charon's libipsec falls behind
  at this rate and drops a few dozen packets, each counted at most one MTU).
- **alg** (strongSwan): AES-GCM-16 128/256, AES-CBC-256 with HMAC-SHA2-256/512 and
  ChaCha20-Poly1305, each with DH 14, 19, 20 and 31, initiator alternating; the
  suite set pinned on both sides and checked in strongSwan's `--list-sas`; a ping.
  **IKE alg** (Libreswan): the same IKE suites and groups, checked in the
  `{cipher=... integ=... prf=... group=...}` Libreswan logs for the IKE SA,
  which Cygnet's own `182 ... sent IKE_AUTH request` line must equal.
- **IDs**: `@fqdn` IDs in every scenario, IP-address IDs in their own; **%any
  responder**: Cygnet `right=%any` with a strongSwan road warrior initiating.
- **IPv6 outer**: IKE and ESP-in-UDP over 2001:db8::1 ↔ ::2, IPv6 inner traffic.
- **delete**: one side deletes the IKE SA (or strongSwan only the Child SA); the
  other must drop it (and Cygnet its route into the tunnel).
- **rekey** (strongSwan): lifetimes of 2–4 s make the initiating side rekey the
  Child SA (with PFS, group 19) or the IKE SA while a ping every 20 ms runs for
  5 s: no ping may be lost, the SPIs must change, an IKE rekey must keep the
  Child SA.  Libreswan: IKE SA rekey both ways, checked in both logs and states.
- **liveness/DPD**: the prober's empty INFORMATIONAL requests are answered
  (strongSwan: counted in charon's log; Libreswan: counted on the wire), then
  the other side drops all packets and the prober must declare the peer dead
  and clear its SAs.
- **wrong PSK**: the initiator sees AUTHENTICATION_FAILED and neither side keeps
  any state.

## Notes from running these peers

- strongSwan with kernel-libipsec always fakes a NAT (it needs UDP
  encapsulation for its TUN-based ESP), so every Cygnet↔strongSwan SA here
  floats to port 4500 with ESP-in-UDP: this exercises Cygnet's NAT detection.
- Child SA rekey with PFS: Cygnet (like Libreswan, pfs=yes by default) sends a
  KE payload when it rekeys a Child SA; strongSwan answers NO_PROPOSAL_CHOSEN
  unless its `esp_proposals` name a DH group.  The suites configure
  `esp_proposals = aes256gcm16-ecp256` for the rekey scenarios, as a Libreswan
  peer would need too.
- strongSwan computes `over_time`/`life_time` as 10 % of a 2 s rekey time and
  rounds it to 0 s, deleting the fresh SA at once; the suites set them explicitly.
- Libreswan 4.10 on this kernel: IKE_SA_INIT and IKE_AUTH complete, but its XFRM
  "Add SA" fails, so it answers a Child SA with TS_UNACCEPTABLE (Cygnet keeps the
  IKE SA and `ipsec auto --up` exits 36) and, as initiator, deletes its IKE SA
  without notifying and revives it.  With `ipsec whack --impair
  omit-v2-ike-auth-child` its IKE SA is childless (RFC 6023) and stable.
  Its liveness probes run from Child SAs, so a childless IKE SA sends none:
  Libreswan-initiated liveness cannot be exercised on this host.
- Differences from Libreswan seen on the way (not interop failures): Cygnet lists
  the SAs of a `right=%any` conn under the conn's own name where Libreswan shows
  an instance (`"roadwarrior"[1] 192.0.2.2`); Cygnet accepts a childless
  IKE_AUTH although it does not announce CHILDLESS_IKEV2_SUPPORTED; after
  `ipsec auto --delete` of a conn whose peer has already forgotten the IKE SA,
  Cygnet keeps retransmitting its Delete (STATE_V2_IKE_SA_DELETE) until the
  retransmit timeout.

## Regenerating

    make BUILD=build/x
    BUILD=build/x TESTS=interop scripts/run-tests
    tests/peers/interop_report.sh build/x        # rewrites docs/INTEROP.md

The section below comes from the guest tests (tests/integration/vm_xfrm.sh)
and is kept as it is when this file is regenerated.
TAIL
	# keep the guest (kernel ESP) section, written by hand from vm_xfrm runs
	[ -f "$out" ] && sed -n '/^## Libreswan with kernel ESP (guest)/,$p' "$out" | sed '1s/^/\n/'
} >"$out.new" && mv "$out.new" "$out"
echo "wrote $out"
