/* Backend choice (protostack= / probe), the event channel, and the xfrm
 * probe.  The backends: us_*.c (userspace ESP) and xfrm.c (kernel). */
#include "dataplane/dataplane.h"
#include "dataplane/xfrm_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dataplane/dp_events.h"
#include "lib/log.h"

#define DP_NAME_ENTRY(name, str) [name] = str,
static const char *const drop_names[] = { DP_DROP_LIST(DP_NAME_ENTRY) };

const char *dp_drop_name(enum dp_drop d)
{
	return (unsigned)d < DP_DROP__COUNT ? drop_names[d] : "?";
}

/* protostack= values (Libreswan's old names netkey/native mean xfrm). */
static const struct {
	const char *name;
	const struct dataplane_ops *ops;
} protostacks[] = {
	{ "xfrm", &dp_xfrm_ops },
	{ "netkey", &dp_xfrm_ops },
	{ "native", &dp_xfrm_ops },
	{ "userspace", &dp_userspace_ops },
};

const struct dataplane_ops *dp_ops_for_protostack(const char *value, bool *probe)
{
	*probe = !value || !*value || !strcasecmp(value, "auto");
	if (*probe)
		return NULL;
	for (size_t i = 0; i < sizeof(protostacks) / sizeof(protostacks[0]); i++)
		if (!strcasecmp(value, protostacks[i].name))
			return protostacks[i].ops;
	return NULL;
}

struct dataplane *dp_new(const struct dp_params *params, int *err)
{
	const struct dataplane_ops *ops;
	struct dataplane *dp;
	bool probe;
	int rc;

	ops = dp_ops_for_protostack(params->protostack, &probe);
	if (!ops && !probe) {
		log_error("unknown protostack=%s", params->protostack);
		*err = -EINVAL;
		return NULL;
	}
	if (probe) {
		int k = xfrm_probe_esp();
		if (k == 1) {
			log_info("kernel can hold ESP SAs; using the kernel (xfrm) dataplane");
			ops = &dp_xfrm_ops;
		} else {
			log_info("kernel cannot hold ESP SAs (%s); using userspace ESP",
				 k == 0 ? "XFRM_MSG_NEWSA refused" : strerror(-k));
			ops = &dp_userspace_ops;
		}
	}
	if (!(dp = calloc(1, sizeof(*dp)))) {
		*err = -ENOMEM;
		return NULL;
	}
	dp->ops = ops;
	dp->params = *params;
	if (!(dp->evq = dp_evq_new())) {
		free(dp);
		*err = -ENOMEM;
		return NULL;
	}
	if ((rc = ops->init(dp, &dp->params)) < 0) {
		log_error("dataplane %s: start failed: %s", ops->name, strerror(-rc));
		dp_evq_free(dp->evq);
		free(dp);
		*err = rc;
		return NULL;
	}
	log_info("using kernel interface: %s", ops->name);
	return dp;
}

void dp_free(struct dataplane *dp)
{
	if (!dp)
		return;
	dp->ops->shutdown(dp);
	dp_evq_free(dp->evq);
	free(dp);
}

int dp_event_fd(const struct dataplane *dp) { return dp_evq_fd(dp->evq); }

int dp_poll_events(struct dataplane *dp, dp_event_cb cb, void *arg)
{
	return dp_evq_drain(dp->evq, cb, arg);
}

int dp_socket_bypass(const struct dataplane *dp, int fd)
{
	int mark = (int)(dp->params.fwmark ? dp->params.fwmark : DP_DEFAULT_FWMARK);

	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
		return -errno;
	return xfrm_socket_bypass(fd);
}
