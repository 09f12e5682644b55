/* Fixed reqids (a conn's reqid=) and what a crashed run leaves in the
 * kernel.  Cygnet's own range is recognised by its value (CY_REQID_BASE)
 * and purged at start-up; a fixed reqid is not, and purging every kernel
 * object with it could delete another IKE daemon's or a manual policy
 * (strongSwan and `ip xfrm` setups use small reqids too).  So pluto notes
 * each fixed reqid it takes in RUNDIR/pluto.reqids when the conn is added,
 * and at start-up purges only the reqids noted by the previous run (then
 * starts the file anew).  A clean shutdown has removed everything it
 * installed, and removes the file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/ikehost.h"
#include "daemon/pluto.h"
#include "dataplane/dataplane.h"
#include "lib/log.h"

#define REQID_FILE "pluto.reqids"

static void reqid_path(const struct pluto *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", p->o.rundir, REQID_FILE);
}

void fixed_reqid_purge_stale(struct pluto *p, struct dataplane *dp)
{
	char path[4200], line[32];
	FILE *f;

	reqid_path(p, path, sizeof(path));
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long r = strtoul(line, &end, 10);

		if (end == line || (*end != '\n' && *end) || r == 0 || r > DP_REQID_MANUAL_MAX)
			continue;       /* not ours to act on */
		if (dp->ops->purge_reqid)
			dp->ops->purge_reqid(dp, (uint32_t)r);
	}
	fclose(f);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove \"%s\": %s", path, strerror(errno));
}

void fixed_reqid_note(struct pluto *p, uint32_t reqid)
{
	char path[4200], line[32];
	int fd, n;

	reqid_path(p, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_warn("cannot note reqid %u in \"%s\": %s (a crash would leave its kernel SAs)", reqid,
			 path, strerror(errno));
		return;
	}
	n = snprintf(line, sizeof(line), "%u\n", reqid);
	if (write(fd, line, (size_t)n) != n)
		log_warn("cannot note reqid %u in \"%s\"", reqid, path);
	close(fd);
}

void fixed_reqid_done(struct pluto *p)
{
	char path[4200];

	reqid_path(p, path, sizeof(path));
	unlink(path);
}
