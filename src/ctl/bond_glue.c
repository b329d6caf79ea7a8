/* BOND GLUE (see bond_glue.h): struct bond_ops over the eswitch, the
 * datapath and bond_io. */
#include "ctl/bond_glue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "eswitch/dp.h"
#include "lag/bond_io.h"

#define TAG "bond"

/* The bond keeps PF names in its own buffers: same rule, same size. */
_Static_assert(BOND_NAME_MAX == ESWITCH_PF_NAME_MAX, "PF name length");
#define BOND_GLUE_ANNOUNCE_MAX 64

/* What bond_io's rx callback needs to find its member again. */
struct bond_glue_member {
	struct bond_glue *g;
	unsigned index;
	struct pf *pf; /* NULL = no member at this index */
	struct bond_io *io;
};

struct bond_glue {
	struct eswitch *sw;
	struct loop *loop;
	uint32_t slot;
	struct bond *bond;
	struct bond_glue_member
	    members[VFLAG_MAX_LAG_MEMBERS]; /* by member index */
};

static void glue_rx(void *arg, const void *frame, size_t len, uint64_t now)
{
	struct bond_glue_member *gm = arg;

	bond_rx(gm->g->bond, gm->index, frame, len, now);
}

static int glue_attach(void *ctx, unsigned member, const struct bond_port *port,
		       char *err, size_t errlen)
{
	struct bond_glue *g = ctx;
	struct bond_glue_member *gm = &g->members[member];
	struct pf *pf = eswitch_pf_find(g->sw, port->name);
	int ret;

	if (!pf) {
		snprintf(err, errlen, "no PF named %s", port->name);
		return -ENOENT;
	}
	gm->g = g;
	gm->index = member;
	ret = bond_io_open(g->loop, port->ifindex, port->dev, glue_rx, gm,
			   &gm->io, err, errlen);
	if (ret)
		return ret;
	ret = eswitch_pf_join_lag(g->sw, pf, g->bond, g->slot, member);
	if (ret) {
		snprintf(err, errlen,
			 "cannot move %s into the bond's domain: %s",
			 port->name, strerror(-ret));
		goto close_io;
	}
	gm->pf = pf;
	return 0;

close_io:
	bond_io_close(gm->io);
	gm->io = NULL;
	return ret;
}

static void glue_detach(void *ctx, unsigned member)
{
	struct bond_glue *g = ctx;
	struct bond_glue_member *gm = &g->members[member];

	eswitch_pf_leave_lag(g->sw, gm->pf);
	bond_io_close(gm->io);
	gm->io = NULL;
	gm->pf = NULL;
}

static int glue_publish(void *ctx, const struct vflag_lag *lag)
{
	struct bond_glue *g = ctx;

	if (!lag) {
		dp_lag_clear(eswitch_dp(g->sw), g->slot);
		return 0;
	}
	return dp_lag_publish(eswitch_dp(g->sw), g->slot, lag);
}

static int glue_send(void *ctx, unsigned member, const void *frame, size_t len)
{
	struct bond_glue *g = ctx;

	if (!g->members[member].io)
		return -ENOENT;
	return bond_io_send(g->members[member].io, frame, len);
}

static unsigned glue_announce(void *ctx, unsigned member)
{
	struct bond_glue *g = ctx;
	struct bond_glue_member *gm = &g->members[member];
	uint8_t macs[BOND_GLUE_ANNOUNCE_MAX][6];
	unsigned n, failed;

	if (!gm->pf)
		return 0;
	n = eswitch_domain_vf_macs(g->sw, gm->pf, macs, BOND_GLUE_ANNOUNCE_MAX);
	failed = bond_io_announce(gm->io, (const uint8_t(*)[6])macs, n);
	if (n)
		LOG_INFO(TAG, "%s: announced %u VF MAC(s) on %s",
			 bond_name(g->bond), n, pf_name(gm->pf));
	return failed;
}

static int glue_poll_carrier(void *ctx, unsigned member, bool *carrier)
{
	struct bond_glue *g = ctx;

	if (!g->members[member].pf)
		return -ENOENT;
	return eswitch_pf_poll_carrier(g->sw, g->members[member].pf, carrier);
}

static const struct bond_ops bond_glue_ops = {
    .attach = glue_attach,
    .detach = glue_detach,
    .publish = glue_publish,
    .send = glue_send,
    .announce = glue_announce,
    .poll_carrier = glue_poll_carrier,
};

struct bond_glue *bond_glue_create(struct eswitch *sw, struct loop *loop,
				   const char *name, uint32_t slot,
				   const struct bond_config *cfg, char *err,
				   size_t errlen)
{
	struct bond_glue *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->sw = sw;
	g->loop = loop;
	g->slot = slot;
	g->bond = bond_create(name, slot, cfg, &bond_glue_ops, g, err, errlen);
	if (!g->bond) {
		free(g);
		return NULL;
	}
	return g;
}

void bond_glue_destroy(struct bond_glue *g, uint64_t now)
{
	if (!g)
		return;
	bond_destroy(g->bond, now);
	free(g);
}

struct bond *bond_glue_bond(const struct bond_glue *g)
{
	return g->bond;
}

int bond_glue_member_add(struct bond_glue *g, struct pf *pf, uint64_t now,
			 char *err, size_t errlen)
{
	struct bond_port port = {
	    .ifindex = pf_ifindex(pf),
	    .port_id = pf_port_id(pf),
	    .carrier = pf_carrier(pf),
	};
	int ret;

	if (pf_bond(pf)) {
		snprintf(err, errlen, "%s is already a member of bond %s",
			 pf_name(pf), bond_name(pf_bond(pf)));
		return -EBUSY;
	}
	snprintf(port.name, sizeof(port.name), "%s", pf_name(pf));
	snprintf(port.dev, sizeof(port.dev), "%s", pf_dev(pf));
	memcpy(port.mac, pf_mac(pf), 6);
	ret = bond_member_add(g->bond, &port, now, err, errlen);
	return ret < 0 ? ret : 0;
}

/* The member index of pf in g, or -ENOENT. */
static int glue_member_of(const struct bond_glue *g, const struct pf *pf)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAG_MEMBERS; i++)
		if (g->members[i].pf == pf)
			return (int)i;
	return -ENOENT;
}

int bond_glue_member_del(struct bond_glue *g, struct pf *pf, uint64_t now,
			 char *err, size_t errlen)
{
	int member = glue_member_of(g, pf);

	if (member < 0) {
		snprintf(err, errlen, "%s is not a member of bond %s",
			 pf_name(pf), bond_name(g->bond));
		return -ENOENT;
	}
	return bond_member_del(g->bond, (unsigned)member, now);
}

void bond_glue_link_changed(struct bond_glue *g, struct pf *pf, uint64_t now)
{
	int member = glue_member_of(g, pf);

	if (member >= 0)
		bond_link_changed(g->bond, (unsigned)member, pf_carrier(pf),
				  now);
}

void bond_glue_run(struct bond_glue *g, uint64_t now)
{
	bond_run(g->bond, now);
}
