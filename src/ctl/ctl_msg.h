/* The control protocol between the `ipsec` clients (whack, auto, addconn,
 * stop, status) and the daemon (`ipsec pluto`), over a Unix stream socket
 * (default /run/pluto/pluto.ctl, mode 0600, root only).
 *
 * WIRE FORMAT (all integers big-endian; CLI and daemon share no C structs)
 *
 *   Every message is a 12-byte header followed by a body:
 *
 *     0        4        6        8                12
 *     +--------+--------+--------+-----------------+----------------
 *     | magic  |version | type   | body length     | body ...
 *     | "CYGC" |  = 1   |        | (bytes, <= MAX) |
 *     +--------+--------+--------+-----------------+----------------
 *       u32      u16      u16      u32
 *
 *   magic    0x43594743 ("CYGC").  Anything else: the stream is not ours;
 *            the daemon answers an error and closes the connection.
 *   version  CTL_VERSION (1).  Other versions: error reply, then close.
 *   type     enum ctl_type below.
 *   length   body length; CTL_MAX_BODY (64 KiB) at most.  Larger: error
 *            reply, then close (the daemon never buffers more than
 *            header + CTL_MAX_BODY per message).
 *
 *   The body is a sequence of attributes (TLVs), each
 *
 *     +--------+--------+------------------
 *     | attr   | length | value (length bytes)
 *     +--------+--------+------------------
 *       u16      u16
 *
 *   Attributes must lie wholly inside the body; a truncated attribute
 *   makes the whole message malformed.  Unknown attribute types are
 *   skipped (forward compatibility); a known attribute with a wrong length
 *   (e.g. a u16 that is not 2 bytes) is malformed.  Strings are raw bytes
 *   without a NUL, must not contain NUL, and are at most 4095 bytes.
 *
 * MESSAGES
 *
 *   CTL_T_REQUEST (client -> daemon): one operation.
 *     CTL_A_OP       u16   enum ctl_op (required, exactly once)
 *     CTL_A_NAME     str   connection name or alias (ops that need one)
 *     CTL_A_FLAGS    u32   CTL_F_* bits (optional, default 0)
 *     CTL_A_REMOTE   str   --remote-host address (initiate only)
 *     CTL_A_KV       kv    repeated: one resolved keyword of the conn
 *                          ("add" only), in the order addconn resolved them:
 *                            u8 side (0 none / 1 left / 2 right / 3 setup)
 *                            u8 keyword length K, K bytes keyword (K may
 *                            be 0: the endpoint itself, left=/right=),
 *                            the rest of the attribute is the value.
 *     At most CTL_MAX_KV kv attributes.
 *
 *   A client may send several requests on one connection (addconn sends a
 *   whole --autoall batch on one connection); the daemon handles them in
 *   order and answers each with zero or more CTL_T_LINE then one CTL_T_DONE.
 *
 *   CTL_T_LINE (daemon -> client): one output line.
 *     CTL_A_CODE     u16   Libreswan's numeric code (0..999), printed by
 *                          whack as "%03u text"; CTL_CODE_RAW (1000) means
 *                          print the text alone (--globalstatus, --json).
 *     CTL_A_TEXT     str   the text (may be empty)
 *
 *   CTL_T_DONE (daemon -> client): end of one request's reply.
 *     CTL_A_STATUS   u16   the daemon's verdict: 0 = success, otherwise the
 *                          Libreswan code of the failure (20 duplicate,
 *                          21 unknown name, 25 route, 33 bad request, 36
 *                          failed to initiate, ...).
 *
 *   whack's exit status follows Libreswan: the code of the last LINE whose
 *   code is in [20,100), else 0 (so a DONE status always also appears as
 *   a LINE with the same code when it is a failure).
 *
 * The encoders write into caller buffers; the decoders are pure functions
 * over (p, len) that fill plain structs pointing into the input (no copy,
 * no allocation), so they can be fuzzed alone (fuzz/fuzz_ctl_msg.c).
 */
#ifndef CYGNET_CTL_MSG_H
#define CYGNET_CTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC     0x43594743u   /* "CYGC" */
#define CTL_VERSION   1
#define CTL_HDR_LEN   12
#define CTL_MAX_BODY  65536u
#define CTL_MAX_MSG   (CTL_HDR_LEN + CTL_MAX_BODY)
#define CTL_MAX_STR   4095
#define CTL_MAX_KV    512
#define CTL_CODE_RAW  1000

enum ctl_type {
	CTL_T_REQUEST = 1,
	CTL_T_LINE = 2,
	CTL_T_DONE = 3,
};

enum ctl_attr {
	CTL_A_OP = 1,
	CTL_A_NAME = 2,
	CTL_A_FLAGS = 3,
	CTL_A_REMOTE = 4,
	CTL_A_KV = 5,
	CTL_A_CODE = 6,
	CTL_A_TEXT = 7,
	CTL_A_STATUS = 8,
};

/* Operations: X(enum suffix, value, whack option name, needs a name).
 * The values are the wire numbers: never renumber, add new ops at the end.
 * rekey-ike / rekey-ipsec: rekey the conn's newest established IKE SA /
 * Child SA now; with CTL_F_ASYNC the reply ends at once, else it ends when
 * the rekey finished (the old SA replaced) or failed. */
#define CTL_OPS(X) \
	X(ADD,           1, "add",           1) \
	X(DELETE,        2, "delete",        1) \
	X(INITIATE,      3, "initiate",      1) \
	X(TERMINATE,     4, "terminate",     1) \
	X(ROUTE,         5, "route",         1) \
	X(UNROUTE,       6, "unroute",       1) \
	X(LISTEN,        7, "listen",        0) \
	X(UNLISTEN,      8, "unlisten",      0) \
	X(REREADSECRETS, 9, "rereadsecrets", 0) \
	X(REREADCERTS,  10, "rereadcerts",   0) \
	X(REREADALL,    11, "rereadall",     0) \
	X(REREADGROUPS, 12, "rereadgroups",  0) \
	X(LISTPUBKEYS,  13, "listpubkeys",   0) \
	X(LISTCERTS,    14, "listcerts",     0) \
	X(LISTCACERTS,  15, "listcacerts",   0) \
	X(LISTCRLS,     16, "listcrls",      0) \
	X(LISTGROUPS,   17, "listgroups",    0) \
	X(CHECKPUBKEYS, 18, "checkpubkeys",  0) \
	X(LISTALL,      19, "listall",       0) \
	X(PURGEOCSP,    20, "purgeocsp",     0) \
	X(STATUS,       21, "status",        0) \
	X(BRIEFSTATUS,  22, "briefstatus",   0) \
	X(GLOBALSTATUS, 23, "globalstatus",  0) \
	X(SHOWSTATES,   24, "showstates",    0) \
	X(TRAFFICSTATUS,25, "trafficstatus", 0) \
	X(SHUNTSTATUS,  26, "shuntstatus",   0) \
	X(FIPSSTATUS,   27, "fipsstatus",    0) \
	X(SHUTDOWN,     28, "shutdown",      0) \
	X(PING,         29, "ping",          0) \
	X(CONNSTATUS,   30, "connectionstatus", 0) \
	X(REKEYIKE,     31, "rekey-ike",     1) \
	X(REKEYIPSEC,   32, "rekey-ipsec",   1)

enum ctl_op {
	CTL_OP_NONE = 0,
#define CTL_OP_ENUM(e, v, s, n) CTL_OP_##e = v,
	CTL_OPS(CTL_OP_ENUM)
#undef CTL_OP_ENUM
	CTL_OP_MAX
};

/* Request flags. */
#define CTL_F_ASYNC    0x01u   /* --asynchronous (initiate, rekey-ike, rekey-ipsec) */
#define CTL_F_UTC      0x02u   /* --utc */
#define CTL_F_JSON     0x04u   /* --json (status) */
#define CTL_F_VERBOSE  0x08u   /* stream the daemon's log for this request */
#define CTL_F_REPLACE  0x10u   /* add: replace a loaded conn of that name */

enum ctl_side { CTL_SIDE_NONE = 0, CTL_SIDE_LEFT = 1, CTL_SIDE_RIGHT = 2, CTL_SIDE_SETUP = 3 };

/* A string slice pointing into a decoded message (not NUL-terminated). */
struct ctl_str {
	const char *p;
	size_t len;
};

struct ctl_kv {
	uint8_t side;
	struct ctl_str key;
	struct ctl_str value;
};

struct ctl_request {
	enum ctl_op op;
	uint32_t flags;
	struct ctl_str name;       /* len 0 when absent */
	struct ctl_str remote;
	size_t nkv;
	/* decoders store up to CTL_MAX_KV; the kv array is caller-provided */
	struct ctl_kv *kv;
};

struct ctl_line {
	uint16_t code;
	struct ctl_str text;
};

/* Why a message did not decode; names for log lines and error replies. */
#define CTL_ERRS(X) \
	X(OK,         "ok") \
	X(SHORT,      "truncated message") \
	X(MAGIC,      "bad magic (not a control message)") \
	X(VERSION,    "unsupported protocol version") \
	X(TOOBIG,     "message too large") \
	X(TYPE,       "unexpected message type") \
	X(ATTR,       "truncated or malformed attribute") \
	X(DUP,        "duplicate attribute") \
	X(STR,        "bad string attribute") \
	X(NOOP,       "missing or unknown operation") \
	X(NONAME,     "operation needs a connection name") \
	X(TOOMANYKV,  "too many keywords")

enum ctl_err {
#define CTL_ERR_ENUM(e, s) CTL_E_##e,
	CTL_ERRS(CTL_ERR_ENUM)
#undef CTL_ERR_ENUM
};

const char *ctl_err_name(enum ctl_err e);
const char *ctl_op_name(enum ctl_op op);          /* "add", ...; NULL if unknown */
bool ctl_op_needs_name(enum ctl_op op);
enum ctl_op ctl_op_by_name(const char *s);         /* CTL_OP_NONE if unknown */

/* Header.  ctl_hdr_check needs CTL_HDR_LEN bytes and validates magic,
 * version and length; on success *type and *body_len are set. */
enum ctl_err ctl_hdr_check(const uint8_t *p, size_t len, uint16_t *type, uint32_t *body_len);

/* Encoders: return the message length, 0 when cap is too small or an
 * input is out of range (string too long, too many kv). */
size_t ctl_encode_request(uint8_t *out, size_t cap, const struct ctl_request *rq);
size_t ctl_encode_line(uint8_t *out, size_t cap, uint16_t code, const char *text, size_t text_len);
size_t ctl_encode_done(uint8_t *out, size_t cap, uint16_t status);

/* Decoders over one whole message (header + body, exactly len bytes).
 * rq->kv must point to an array of CTL_MAX_KV entries. */
enum ctl_err ctl_decode_request(const uint8_t *p, size_t len, struct ctl_request *rq);
enum ctl_err ctl_decode_line(const uint8_t *p, size_t len, struct ctl_line *line);
enum ctl_err ctl_decode_done(const uint8_t *p, size_t len, uint16_t *status);

/* Copy a slice into a NUL-terminated buffer; false when it does not fit. */
bool ctl_str_copy(struct ctl_str s, char *buf, size_t cap);
bool ctl_str_eq(struct ctl_str s, const char *z);

#endif
