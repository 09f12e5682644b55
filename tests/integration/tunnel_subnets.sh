#!/bin/bash
# leftsubnets=/rightsubnets= between two Cygnet daemons: the conn "t" with
# 2 x 2 subnets loads as t/1x1 t/1x2 t/2x1 t/2x2 (connalias=t) at start-up
# and through `ipsec auto --add t`; `--up t` initiates all four ("initiating
# all conns with alias='t'"), four Child SAs come up and traffic flows
# between every pair of subnets, ESP only on the wire; --down/--route/
# --unroute/--delete/--replace t act on the group through the alias.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/e2e.sh"
e2e_need tunnel_subnets
two_hosts "$W" "$E" || { fail setup "cannot create namespaces"; finish; }
BODY='left=192.0.2.1
leftsubnets={198.51.100.0/28 198.51.100.16/28}
right=192.0.2.2
rightsubnets=203.0.113.0/28,203.0.113.16/28'
NAMES='t/1x1 t/1x2 t/2x1 t/2x2'
both_conf "$BODY"
start_both || { fail setup "pluto did not start"; finish; }

# loaded NS DIR: the conn names in --status, sorted, on one line
loaded() { cy_whack "$1" "$2" --status 2>/dev/null | sed -n 's/^000 "\([^"]*\)": [0-9a-f.:/]*===.*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'; }

if [ "$(loaded "$W" "$DW")" = "$NAMES" ] && [ "$(loaded "$E" "$DE")" = "$NAMES" ]; then
	pass startup-load
else
	fail startup-load "west [$(loaded "$W" "$DW")] east [$(loaded "$E" "$DE")]"
fi
line=$(ww --status | grep '^000 "t/2x1": [0-9]')
if [[ "$line" == *"198.51.100.16/28===192.0.2.1["*"]...192.0.2.2["*"]===203.0.113.0/28;"* ]]; then
	pass status-pair
else
	fail status-pair "$line"
fi

aw --up t >"$TMP/up.out" 2>&1
if grep -q "^000 initiating all conns with alias='t'" "$TMP/up.out"; then
	pass up-alias-line
else
	fail up-alias-line "$(head -3 "$TMP/up.out" | tr '\n' '|')"
fi
# east's IKE responder picks the conn whose subnets hold each IKE SA's
# proposed traffic selectors (first t/1x1 by address, then the pair's conn)
n_refused() { grep -c 'Child SA refused with v2N_TS_UNACCEPTABLE' "$DE/pluto.log"; }
settled() { [ "$(n_states $W $DW CHILD_SA)" = 4 ] && [ "$(n_states $E $DE CHILD_SA)" = 4 ]; }
PAIRS="198.51.100.1,203.0.113.1 198.51.100.1,203.0.113.17 198.51.100.17,203.0.113.1 198.51.100.17,203.0.113.17"
wait_until 15 settled
if settled && [ "$(n_refused)" = 0 ]; then
	pass up-4-children
else
	fail up-4-children "west $(n_states $W $DW CHILD_SA), east $(n_states $E $DE CHILD_SA) Child SAs, $(n_refused) refused with TS_UNACCEPTABLE"
fi
# east's status names each Child SA after its pair's conn
names_e=$(cy_whack "$E" "$DE" --showstates 2>/dev/null | sed -n 's/^000 #[0-9]*: "\([^"]*\)":[0-9]* STATE_V2_ESTABLISHED_CHILD_SA.*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$names_e" = "$NAMES" ]; then
	pass responder-child-conns
else
	fail responder-child-conns "east Child SAs: [$names_e]"
fi

# each Child SA carries exactly its pair: traffic from every west subnet to every east subnet
cap_start "$W" va "$TMP/pairs.pcap"
n_pairs=0
for p in $PAIRS; do
	src=${p%,*} dst=${p#*,}
	n_pairs=$((n_pairs + 1))
	if ip netns exec "$W" ping -c 6 -i 0.2 -W 2 -I "$src" "$dst" >/dev/null 2>&1; then
		pass "ping-$src-$dst"
	else
		fail "ping-$src-$dst" "no reply"
	fi
done
cap_stop
wire_check pairs-wire "$TMP/pairs.pcap" esp
# one SPI per pair (Child SA) was used
n_spi=$(tcpdump -nr "$TMP/pairs.pcap" 'esp and src 192.0.2.1' 2>/dev/null | sed -n 's/.*ESP(spi=\(0x[0-9a-f]*\).*/\1/p' | sort -u | wc -l)
if [ "$n_spi" = "$n_pairs" ]; then pass pairs-spis; else fail pairs-spis "$n_spi outbound SPIs for $n_pairs pairs"; fi

aw --down t >"$TMP/down.out" 2>&1
if grep -q '^000 terminated 4 connections from aliased connection "t"' "$TMP/down.out" &&
	[ "$(grep -c 'terminating SAs using this connection' "$TMP/down.out")" = 4 ] &&
	wait_until 10 eval 'no_states $W $DW && no_states $E $DE'; then
	pass down-alias
else
	fail down-alias "$(tr '\n' '|' <"$TMP/down.out")"
fi

if aw --route t >"$TMP/route.out" 2>&1 && [ ! -s "$TMP/route.out" ] &&
	[ "$(ww --status | grep -c '^000 "t/[12]x[12]": .*; prospective erouted;')" = 4 ]; then
	pass route-alias
else
	fail route-alias "$(tr '\n' '|' <"$TMP/route.out") $(ww --status | grep -c 'prospective erouted')"
fi
if aw --unroute t >"$TMP/unroute.out" 2>&1 && [ ! -s "$TMP/unroute.out" ] &&
	[ "$(ww --status | grep -c '^000 "t/[12]x[12]": .*; unrouted;')" = 4 ]; then
	pass unroute-alias
else
	fail unroute-alias "$(tr '\n' '|' <"$TMP/unroute.out")"
fi

aw --delete t >"$TMP/del.out" 2>&1
if grep -q '^000 terminated 4 connections from aliased connection "t"' "$TMP/del.out" && [ -z "$(loaded "$W" "$DW")" ]; then
	pass delete-alias
else
	fail delete-alias "$(tr '\n' '|' <"$TMP/del.out") left [$(loaded "$W" "$DW")]"
fi
if aw --config "$DW/ipsec.conf" --add t >"$TMP/add.out" 2>&1 && [ ! -s "$TMP/add.out" ] &&
	[ "$(loaded "$W" "$DW")" = "$NAMES" ]; then
	pass add-expands
else
	fail add-expands "$(tr '\n' '|' <"$TMP/add.out") [$(loaded "$W" "$DW")]"
fi
aw --config "$DW/ipsec.conf" --replace t >"$TMP/rep.out" 2>&1; rc=$?
if [ $rc = 0 ] && [ "$(grep -c 'terminating SAs using this connection' "$TMP/rep.out")" = 4 ] &&
	[ "$(loaded "$W" "$DW")" = "$NAMES" ]; then
	pass replace-alias
else
	fail replace-alias "rc $rc: $(tr '\n' '|' <"$TMP/rep.out") [$(loaded "$W" "$DW")]"
fi
# after --replace the group still comes up as a whole
aw --up t >/dev/null 2>&1
wait_until 15 settled
if settled && ip netns exec "$W" ping -c 2 -i 0.2 -W 2 -I 198.51.100.17 203.0.113.17 >/dev/null 2>&1; then
	pass replace-up
else
	fail replace-up "west $(n_states $W $DW CHILD_SA), east $(n_states $E $DE CHILD_SA) Child SAs"
fi
aw --down t >/dev/null 2>&1

# the corpus file: a config alias finds the conn, which loads expanded with
# connalias=NAME (replacing its own connalias=, as Libreswan does); a side
# without any subnet adds nothing (Libreswan: silently, rc 0; Cygnet: rc 1)
CORPUS=$TOP/tests/corpus/conf/subnets-permutations.conf
aw --config "$CORPUS" --add grp >"$TMP/grp.out" 2>&1; rc=$?
got=$(loaded "$W" "$DW" | tr ' ' '\n' | grep '^mixed' | tr '\n' ' ')
if [ $rc = 0 ] && [ "$got" = "mixed/0x1 mixed/1x1 mixed/2x1 " ] &&
	[ "$(ww --status | grep -c '^000 "mixed/[0-2]x1":   aliases: mixed$')" = 3 ]; then
	pass add-config-alias
else
	fail add-config-alias "rc $rc [$got] $(tr '\n' '|' <"$TMP/grp.out")"
fi
aw --asynchronous --up mixed >"$TMP/async.out" 2>&1
if [ "$(head -1 "$TMP/async.out")" = "000 initiating all conns with alias='mixed'" ] &&
	[ "$(grep -c '"mixed/[0-2]x1": initiating IKEv2 connection' "$TMP/async.out")" = 3 ]; then
	pass up-async-alias
else
	fail up-async-alias "$(tr '\n' '|' <"$TMP/async.out")"
fi
aw --delete mixed >/dev/null 2>&1
aw --config "$CORPUS" --add noright >"$TMP/nr.out" 2>&1; rc=$?
if [ $rc = 1 ] && grep -q "conn 'noright': leftsubnets= needs rightsubnet= or rightsubnets=; no connection added" "$TMP/nr.out" &&
	! ww --status | grep -q '"noright'; then
	pass add-one-sided
else
	fail add-one-sided "rc $rc: $(tr '\n' '|' <"$TMP/nr.out")"
fi
stop_both

# the daemon's own start-up load of the corpus file: every group expanded,
# auto=route groups routed as a whole, the one-sided conn logged and skipped
DC=$TMP/corpus
mkdir -p "$DC" && cp "$CORPUS" "$DC/ipsec.conf" && printf '192.0.2.1 192.0.2.2 : PSK "x-corpus-secret-0123456789abcdef"\n' >"$DC/ipsec.secrets"
sed -i '1i config setup\n\tprotostack=userspace\n' "$DC/ipsec.conf"
if pluto_start "$W" "$DC"; then
	got=$(loaded "$W" "$DC")
	want="both/1x1 both/1x2 both/1x3 both/2x1 both/2x2 both/2x3 leftonly/1x0 leftonly/2x0 mixed/0x1 mixed/1x1 mixed/2x1"
	if [ "$got" = "$want" ] &&
		grep -q "conn 'noright': leftsubnets= needs rightsubnet= or rightsubnets=; no connection added" "$DC/pluto.log" &&
		[ "$(cy_whack "$W" "$DC" --status | grep -c '^000 "mixed/[0-2]x1": .*; prospective erouted;')" = 3 ]; then
		pass startup-corpus
	else
		fail startup-corpus "[$got] $(grep -c noright "$DC/pluto.log") noright lines"
	fi
	pluto_stop "$DC"
else
	fail startup-corpus "pluto did not start"
fi
finish
