/* Peer-supplied text reaches logs and whack lines escaped (lib/esc.h):
 * two engines in the harness, one of them sending an identity with a
 * newline, a forged "000 " line and an ESC sequence. */
#include "ike_testlib.h"
#include "logcap.h"

#define EVIL "@west\n000 \"a-b\" #9: forged line\r\033[2J"

/* ---- captured log: every line the log layer formats ---- */

static unsigned bad_lines;   /* lines holding a control character */

static void tap(void *arg, enum log_level lvl, const char *line)
{
	(void)arg;
	(void)lvl;
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			bad_lines++;
	logcap_add(line);
}

static void log_reset(void)
{
	logcap_reset();
	bad_lines = 0;
}

static bool clean(const char *lines)
{
	for (const char *p = lines; *p; p++)
		if ((*p != '\n' && (unsigned char)*p < 0x20) || (unsigned char)*p == 0x7f)
			return false;
	return true;
}

/* The responder (B, rightid=%any) logs the initiator's identity. */
static void test_responder_logs_escaped_id(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	log_reset();
	CHECK(id_parse_shared(EVIL, &n.p[0].conn.local.id, &why));
	CHECK(id_parse_shared("%any", &n.p[1].conn.remote.id, &why));
	tn_up(&n);
	CHECK_INT(n.p[0].status, IKE_RC_OK);
	CHECK_INT(bad_lines, 0);
	CHECK(strstr(logbuf, "responder established IKE SA; authenticated peer using authby=secret and "
			     "ID_FQDN '@west\\012000 \\042a-b\\042 #9: forged line\\015\\033[2J'") != NULL);
	CHECK(strstr(logbuf, "\n000 ") == NULL);
	{
		struct tn_snap b = tn_snap(&n.p[1]);
		char buf[ID_STRLEN];

		CHECK(strchr(id_fmt(&b.ike[0].remote_id, buf), '\n') == NULL);
	}
	tn_free(&n);
}

/* The initiator (A) tells its whack client that the responder's identity
 * is not the expected one: that line carries the identity too. */
static void test_initiator_lines_escaped_id(void)
{
	struct tn_net n;
	const char *why;

	tn_init(&n);
	log_reset();
	CHECK(id_parse_shared("@east\n000 ok\033]0;title\007", &n.p[1].conn.local.id, &why));
	CHECK(id_parse_shared("%any", &n.p[1].conn.remote.id, &why));
	tn_up(&n);
	CHECK(n.p[0].status != IKE_RC_OK);
	CHECK(strstr(n.p[0].lines, "peer ID '@east\\012000 ok\\033]0;title\\007' does not match the expected rightid") !=
	      NULL);
	CHECK(clean(n.p[0].lines));
	CHECK(strstr(n.p[0].lines, "\n000 ok") == NULL);
	CHECK_INT(bad_lines, 0);
	tn_free(&n);
}

int main(void)
{
	log_set_level(LOG_LVL_INFO);
	log_set_tap(tap, NULL);
	RUN(test_responder_logs_escaped_id);
	RUN(test_initiator_lines_escaped_id);
	log_set_tap(NULL, NULL);
	return t_done();
}
