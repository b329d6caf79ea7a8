/* Bond modes 1, 2 and 4 over PFs: link monitoring, active-backup
 * selection, LACP wiring, and publication to the datapath. */
#include "lag/bond.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "dp/dp.h"
#include "lag/xmit_hash.h"

#define TAG "bond"
#define BOND_LACP_KEY_BASE 0x0100
#define BOND_ANNOUNCE_MAX 64

/* The link monitor's view of a member, as Linux bonding keeps it. */
enum bond_link {
	BOND_LINK_UP,   /* usable */
	BOND_LINK_FAIL, /* carrier lost, still used until downdelay ends */
	BOND_LINK_DOWN, /* not usable */
	BOND_LINK_BACK, /* carrier back, not used until updelay ends */
};

static const char *const bond_link_names[] = {
	[BOND_LINK_UP] = "up", [BOND_LINK_FAIL] = "going down",
	[BOND_LINK_DOWN] = "down", [BOND_LINK_BACK] = "going up",
};

struct bond_member {
	struct pf *pf;
	struct bond *bond;
	unsigned index;          /* rx_mask bit and LACP port (index + 1) */
	enum bond_link link;
	uint64_t link_deadline;  /* end of updelay/downdelay */
	uint32_t link_failures;
	int sock;                /* AF_PACKET: slow protocols in, frames out */
	uint64_t slow_rx_ignored; /* LACPDUs heard outside mode 4 */
	uint64_t tx_errors;
};

struct bond {
	char name[ESWITCH_PF_NAME_MAX + 1];
	struct eswitch *sw;
	struct loop *loop;
	uint32_t slot;
	struct bond_config cfg;
	uint8_t mac[6];               /* LACP system ID: first member's MAC */
	struct bond_member *members[VFLAG_MAX_LAG_MEMBERS]; /* enslave order */
	unsigned nmembers;
	struct bond_member *active;   /* mode 1 */
	struct lacp *lacp;            /* mode 4 */
	uint64_t next_miimon;
	struct vflag_lag published;
	bool ever_published;
	bool deleting;                /* in bond_destroy: no announcements */
};

static const struct {
	const char *name;
	enum bond_mode mode;
} bond_modes[] = {
	{ "active-backup", BOND_MODE_ACTIVE_BACKUP }, { "1", BOND_MODE_ACTIVE_BACKUP },
	{ "balance-xor", BOND_MODE_XOR }, { "2", BOND_MODE_XOR },
	{ "802.3ad", BOND_MODE_8023AD }, { "4", BOND_MODE_8023AD }, { "lacp", BOND_MODE_8023AD },
};

static const char *const hash_policy_names[] = {
	[VFLAG_HASH_LAYER2] = "layer2", [VFLAG_HASH_LAYER34] = "layer3+4",
	[VFLAG_HASH_LAYER23] = "layer2+3", [VFLAG_HASH_ENCAP23] = "encap2+3",
	[VFLAG_HASH_ENCAP34] = "encap3+4",
};

const char *bond_mode_name(enum bond_mode mode)
{
	switch (mode) {
	case BOND_MODE_ACTIVE_BACKUP: return "active-backup";
	case BOND_MODE_XOR: return "balance-xor";
	case BOND_MODE_8023AD: return "802.3ad";
	}
	return "?";
}

const char *bond_name(const struct bond *bond)
{
	return bond->name;
}

void bond_config_init(struct bond_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = BOND_MODE_ACTIVE_BACKUP;
	cfg->miimon = 100;
	cfg->hash_policy = VFLAG_HASH_LAYER2;
	cfg->lacp_rate = LACP_RATE_SLOW;
	cfg->lacp_active = true;
	cfg->ad_select = LACP_SELECT_STABLE;
	cfg->sys_prio = 65535;
}

static int parse_ms(const char *word, const char *val, uint32_t *out, char *err, size_t errlen)
{
	if (parse_u32(val, 0, 3600000, out)) {
		snprintf(err, errlen, "%s wants milliseconds (0..3600000), not '%s'", word, val);
		return -EINVAL;
	}
	return 0;
}

int bond_config_parse(struct bond_config *cfg, int argc, char **argv, bool *mode_seen,
		      char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "members"); i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool known = true, b;
		size_t j;

		if (!v) {
			snprintf(err, errlen, "%s needs a value", k);
			return -EINVAL;
		}
		if (!strcmp(k, "mode")) {
			for (j = 0; j < ARRAY_SIZE(bond_modes) && strcmp(v, bond_modes[j].name); j++)
				;
			if (j == ARRAY_SIZE(bond_modes)) {
				snprintf(err, errlen, "unknown bond mode '%s': use active-backup (1), balance-xor (2) or 802.3ad (4)", v);
				return -EINVAL;
			}
			cfg->mode = bond_modes[j].mode;
			if (mode_seen)
				*mode_seen = true;
		} else if (!strcmp(k, "miimon")) {
			if (parse_ms(k, v, &cfg->miimon, err, errlen))
				return -EINVAL;
		} else if (!strcmp(k, "updelay")) {
			if (parse_ms(k, v, &cfg->updelay, err, errlen))
				return -EINVAL;
		} else if (!strcmp(k, "downdelay")) {
			if (parse_ms(k, v, &cfg->downdelay, err, errlen))
				return -EINVAL;
		} else if (!strcmp(k, "primary")) {
			if (strcmp(v, "none") && !eswitch_name_valid(v)) {
				snprintf(err, errlen, "primary '%s' is not a PF name (or none)", v);
				return -EINVAL;
			}
			snprintf(cfg->primary, sizeof(cfg->primary), "%s", strcmp(v, "none") ? v : "");
		} else if (!strcmp(k, "xmit_hash_policy")) {
			for (j = 0; j < ARRAY_SIZE(hash_policy_names) && strcmp(v, hash_policy_names[j]); j++)
				;
			if (j == ARRAY_SIZE(hash_policy_names)) {
				snprintf(err, errlen, "unknown xmit_hash_policy '%s': use layer2, layer2+3, layer3+4, encap2+3 or encap3+4", v);
				return -EINVAL;
			}
			cfg->hash_policy = (uint32_t)j;
		} else if (!strcmp(k, "lacp_rate")) {
			if (!strcmp(v, "fast") || !strcmp(v, "1"))
				cfg->lacp_rate = LACP_RATE_FAST;
			else if (!strcmp(v, "slow") || !strcmp(v, "0"))
				cfg->lacp_rate = LACP_RATE_SLOW;
			else {
				snprintf(err, errlen, "lacp_rate is slow or fast, not '%s'", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "lacp_active")) {
			if (parse_bool(v, &b)) {
				snprintf(err, errlen, "lacp_active is on or off, not '%s'", v);
				return -EINVAL;
			}
			cfg->lacp_active = b;
		} else if (!strcmp(k, "ad_select")) {
			if (!strcmp(v, "stable"))
				cfg->ad_select = LACP_SELECT_STABLE;
			else if (!strcmp(v, "bandwidth"))
				cfg->ad_select = LACP_SELECT_BANDWIDTH;
			else if (!strcmp(v, "count"))
				cfg->ad_select = LACP_SELECT_COUNT;
			else {
				snprintf(err, errlen, "ad_select is stable, bandwidth or count, not '%s'", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "min_links")) {
			if (parse_u32(v, 0, VFLAG_MAX_LAG_MEMBERS, &cfg->min_links)) {
				snprintf(err, errlen, "min_links is 0..%d, not '%s'", VFLAG_MAX_LAG_MEMBERS, v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "sys_prio")) {
			if (parse_u32(v, 1, 65535, &cfg->sys_prio)) {
				snprintf(err, errlen, "sys_prio is 1..65535, not '%s'", v);
				return -EINVAL;
			}
		} else {
			known = false;
		}
		if (!known) {
			snprintf(err, errlen, "unknown bond option '%s': see `vflagctl bond help`", k);
			return -EINVAL;
		}
	}
	return i;
}

static bool member_usable(const struct bond_member *m)
{
	return m->link == BOND_LINK_UP || m->link == BOND_LINK_FAIL;
}

static struct bond_member *member_of(struct bond *bond, const struct pf *pf)
{
	for (unsigned i = 0; i < bond->nmembers; i++)
		if (bond->members[i]->pf == pf)
			return bond->members[i];
	return NULL;
}

/* Tells the peer switch where each VF's MAC now lives: one RARP per MAC
 * (as QEMU and OVS announce a moved VM), out of the new active member. */
static void bond_announce(struct bond *bond, struct bond_member *m)
{
	uint8_t macs[BOND_ANNOUNCE_MAX][6];
	unsigned n = eswitch_domain_vf_macs(bond->sw, m->pf, macs, BOND_ANNOUNCE_MAX);
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = pf_ifindex(m->pf),
		.sll_halen = 6,
	};

	for (unsigned i = 0; i < n; i++) {
		uint8_t f[60] = { 0 };

		memset(f, 0xff, 6);
		memcpy(f + 6, macs[i], 6);
		f[12] = 0x80, f[13] = 0x35;        /* RARP */
		f[15] = 1;                         /* htype Ethernet */
		f[16] = 0x08;                      /* ptype IPv4 */
		f[18] = 6, f[19] = 4;              /* hlen, plen */
		f[21] = 3;                         /* reverse request */
		memcpy(f + 22, macs[i], 6);        /* sender MAC */
		memcpy(f + 32, macs[i], 6);        /* target MAC */
		memset(to.sll_addr, 0xff, 6);
		if (sendto(m->sock, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			m->tx_errors++;
	}
	if (n)
		LOG_INFO(TAG, "%s: announced %u VF MAC(s) on %s", bond->name, n, pf_name(m->pf));
}

/* Mode 1: keep the active member while it is usable, unless the primary
 * is usable and is not it (primary_reselect always). True if it changed. */
static bool bond_select_active(struct bond *bond)
{
	struct bond_member *best = NULL;

	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];

		if (!member_usable(m))
			continue;
		if (bond->cfg.primary[0] && !strcmp(pf_name(m->pf), bond->cfg.primary)) {
			best = m;
			break;
		}
		if (!best)
			best = m;
	}
	if (bond->active && member_usable(bond->active) &&
	    !(best && best != bond->active && bond->cfg.primary[0] &&
	      !strcmp(pf_name(best->pf), bond->cfg.primary)))
		return false;
	if (best == bond->active)
		return false;
	LOG_INFO(TAG, "%s: active member %s -> %s", bond->name,
		 bond->active ? pf_name(bond->active->pf) : "none", best ? pf_name(best->pf) : "none");
	bond->active = best;
	return true;
}

/* Reduces the mode to tx and rx member sets and publishes them if they
 * changed: one inner-map swap, so the datapath sees all or nothing. */
static void bond_publish(struct bond *bond)
{
	struct vflag_lag lag = { .hash_policy = bond->cfg.hash_policy };
	int ret;

	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];
		bool tx, rx;

		switch (bond->cfg.mode) {
		case BOND_MODE_ACTIVE_BACKUP:
			tx = rx = m == bond->active;
			break;
		case BOND_MODE_XOR:
			tx = rx = member_usable(m);
			break;
		case BOND_MODE_8023AD:
		default:
			tx = bond->lacp && lacp_port_distributing(bond->lacp, m->index);
			rx = bond->lacp && lacp_port_collecting(bond->lacp, m->index);
			break;
		}
		if (tx) {
			lag.tx_ifindex[lag.tx_count] = (uint32_t)pf_ifindex(m->pf);
			lag.tx_port_id[lag.tx_count] = pf_port_id(m->pf);
			lag.tx_count++;
		}
		if (rx)
			lag.rx_mask |= 1u << m->index;
	}
	if (bond->ever_published && !memcmp(&lag, &bond->published, sizeof(lag)))
		return;
	ret = dp_lag_publish(eswitch_dp(bond->sw), bond->slot, &lag);
	if (ret) {
		LOG_ERR(TAG, "%s: cannot publish members to the datapath: %s", bond->name,
			strerror(-ret));
		return;
	}
	bond->published = lag;
	bond->ever_published = true;
	LOG_DBG(TAG, "%s: published tx %u member(s), rx mask 0x%x", bond->name, lag.tx_count,
		lag.rx_mask);
}

/* Reselects and publishes; returns the member to announce VF MACs on
 * (a new active one), or NULL. */
static struct bond_member *bond_reselect(struct bond *bond)
{
	bool changed = false;

	if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP)
		changed = bond_select_active(bond);
	else
		bond->active = NULL;
	bond_publish(bond);
	return changed ? bond->active : NULL;
}

/* Everything that follows a change of link, LACP or config. The
 * announcement goes after the publication, so the peer's answers already
 * find the new member open. */
static void bond_update(struct bond *bond)
{
	struct bond_member *announce_on = bond_reselect(bond);

	if (announce_on)
		bond_announce(bond, announce_on);
}

static void bond_lacp_changed(void *ctx)
{
	bond_publish(ctx);
}

static int bond_lacp_send(void *ctx, unsigned port, const void *frame, size_t len)
{
	struct bond *bond = ctx;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };

	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];

		if (m->index != port)
			continue;
		to.sll_ifindex = pf_ifindex(m->pf);
		memcpy(to.sll_addr, frame, 6);
		if (sendto(m->sock, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			m->tx_errors++;
			return -errno;
		}
		return 0;
	}
	return -ENOENT;
}

static const struct lacp_ops bond_lacp_ops = {
	.send = bond_lacp_send,
	.changed = bond_lacp_changed,
};

static void bond_lacp_config(const struct bond *bond, struct lacp_config *lc)
{
	memset(lc, 0, sizeof(*lc));
	snprintf(lc->name, sizeof(lc->name), "%s", bond->name);
	memcpy(lc->sys_mac, bond->mac, 6);
	lc->sys_priority = (uint16_t)bond->cfg.sys_prio;
	lc->key = (uint16_t)(BOND_LACP_KEY_BASE + bond->slot);
	lc->rate = bond->cfg.lacp_rate;
	lc->active = bond->cfg.lacp_active;
	lc->ad_select = bond->cfg.ad_select;
	lc->min_links = bond->cfg.min_links;
	lc->aggregate_wait_ms = 2000; /* 802.1AX Aggregate_Wait_Time */
}

static int bond_lacp_port_add(struct bond *bond, struct bond_member *m, uint64_t now)
{
	struct lacp_port_config pc = {
		.port_number = (uint16_t)(m->index + 1),
		.port_priority = 255,
		.speed_mbps = 10000,
	};
	int ret;

	memcpy(pc.mac, pf_mac(m->pf), 6);
	ret = lacp_port_add(bond->lacp, m->index, &pc, now);
	if (!ret)
		lacp_port_set_enabled(bond->lacp, m->index, member_usable(m), now);
	return ret;
}

/* Creates the LACP instance (mode 4 with a system MAC known). */
static int bond_lacp_start(struct bond *bond, uint64_t now)
{
	struct lacp_config lc;

	if (bond->lacp || bond->cfg.mode != BOND_MODE_8023AD || mac_is_zero(bond->mac))
		return 0;
	bond_lacp_config(bond, &lc);
	bond->lacp = lacp_create(&lc, &bond_lacp_ops, bond);
	if (!bond->lacp)
		return -ENOMEM;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		int ret = bond_lacp_port_add(bond, bond->members[i], now);

		if (ret) {
			lacp_destroy(bond->lacp);
			bond->lacp = NULL;
			return ret;
		}
	}
	return 0;
}

static void bond_lacp_stop(struct bond *bond)
{
	lacp_destroy(bond->lacp);
	bond->lacp = NULL;
}

static void bond_member_rx(void *arg, int fd)
{
	struct bond_member *m = arg;
	struct bond *bond = m->bond;
	uint8_t buf[2048];

	/* A budget, so a LACPDU storm cannot starve the control socket. */
	for (int budget = 64; budget > 0; budget--) {
		/* Longer frames are cut to the buffer: a LACPDU is 124 bytes
		 * and the parser ignores what follows the PDU. */
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return;
		if (!bond || !bond->lacp) {
			m->slow_rx_ignored++;
			continue;
		}
		lacp_rx(bond->lacp, m->index, buf, (size_t)n, clock_now_ms());
	}
}

static int member_socket_open(struct bond_member *m)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_SLOW),
		.sll_ifindex = pf_ifindex(m->pf),
	};
	struct packet_mreq mr = {
		.mr_ifindex = pf_ifindex(m->pf),
		.mr_type = PACKET_MR_MULTICAST,
		.mr_alen = 6,
		.mr_address = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 },
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_SLOW));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	/* Real NICs filter multicast: let the Slow Protocols address in. */
	setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	return fd;
}

struct bond *bond_create(struct eswitch *sw, struct loop *loop, const char *name,
			 uint32_t slot, const struct bond_config *cfg, char *err, size_t errlen)
{
	struct bond *bond;

	if (slot >= VFLAG_MAX_LAGS) {
		snprintf(err, errlen, "too many bonds (at most %d)", VFLAG_MAX_LAGS);
		return NULL;
	}
	bond = calloc(1, sizeof(*bond));
	if (!bond) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(bond->name, sizeof(bond->name), "%s", name);
	bond->sw = sw;
	bond->loop = loop;
	bond->slot = slot;
	bond->cfg = *cfg;
	bond_publish(bond);
	LOG_INFO(TAG, "%s: created, mode %s", name, bond_mode_name(cfg->mode));
	return bond;
}

static unsigned member_free_index(const struct bond *bond)
{
	uint32_t used = 0;
	unsigned i;

	for (i = 0; i < bond->nmembers; i++)
		used |= 1u << bond->members[i]->index;
	for (i = 0; i < VFLAG_MAX_LAG_MEMBERS && (used & (1u << i)); i++)
		;
	return i;
}

int bond_member_add(struct bond *bond, struct pf *pf, uint64_t now, char *err, size_t errlen)
{
	struct bond_member *m;
	int ret;

	if (pf_lag_slot(pf) >= 0) {
		snprintf(err, errlen, "%s is already a member of bond %s", pf_name(pf),
			 pf_lag_slot(pf) == (int)bond->slot ? bond->name : "in another LAG slot");
		return -EBUSY;
	}
	if (bond->nmembers == VFLAG_MAX_LAG_MEMBERS) {
		snprintf(err, errlen, "bond %s is full (%d members)", bond->name, VFLAG_MAX_LAG_MEMBERS);
		return -ENOSPC;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->pf = pf;
	m->bond = bond;
	m->index = member_free_index(bond);
	m->link = pf_carrier(pf) ? BOND_LINK_UP : BOND_LINK_DOWN;
	m->sock = member_socket_open(m);
	if (m->sock < 0) {
		ret = m->sock;
		snprintf(err, errlen, "cannot open a packet socket on %s: %s", pf_dev(pf), strerror(-ret));
		goto free_member;
	}
	ret = loop_add(bond->loop, m->sock, bond_member_rx, m);
	if (ret) {
		snprintf(err, errlen, "cannot watch %s: %s", pf_dev(pf), strerror(-ret));
		goto close_sock;
	}
	ret = eswitch_pf_join_lag(bond->sw, pf, bond->slot, m->index);
	if (ret) {
		snprintf(err, errlen, "cannot move %s into the bond's domain: %s", pf_name(pf),
			 strerror(-ret));
		goto unwatch;
	}
	bond->members[bond->nmembers++] = m;
	if (mac_is_zero(bond->mac))
		memcpy(bond->mac, pf_mac(pf), 6);
	if (bond->lacp)
		ret = bond_lacp_port_add(bond, m, now);
	else
		ret = bond_lacp_start(bond, now);
	if (ret) {
		snprintf(err, errlen, "cannot start LACP on %s: %s", pf_name(pf), strerror(-ret));
		bond->nmembers--;
		goto leave_lag;
	}
	bond_update(bond);
	LOG_INFO(TAG, "%s: member %s (%s) added, link %s", bond->name, pf_name(pf), pf_dev(pf),
		 bond_link_names[m->link]);
	return 0;

leave_lag:
	eswitch_pf_leave_lag(bond->sw, pf);
unwatch:
	loop_del(bond->loop, m->sock);
close_sock:
	close(m->sock);
free_member:
	free(m);
	return ret;
}

int bond_member_del(struct bond *bond, struct pf *pf, uint64_t now, char *err, size_t errlen)
{
	struct bond_member *m = member_of(bond, pf);
	struct bond_member *announce_on;
	unsigned i;

	if (!m) {
		snprintf(err, errlen, "%s is not a member of bond %s", pf_name(pf), bond->name);
		return -ENOENT;
	}
	if (bond->lacp)
		lacp_port_remove(bond->lacp, m->index, now);
	for (i = 0; bond->members[i] != m; i++)
		;
	memmove(&bond->members[i], &bond->members[i + 1],
		(bond->nmembers - i - 1) * sizeof(bond->members[0]));
	bond->nmembers--;
	if (bond->active == m)
		bond->active = NULL;
	/* The datapath stops using it before its domain changes; the new
	 * active member announces only the VFs that stay in the bond. A bond
	 * being deleted announces nothing, as Linux releases all at once. */
	announce_on = bond_reselect(bond);
	eswitch_pf_leave_lag(bond->sw, pf);
	if (announce_on && !bond->deleting)
		bond_announce(bond, announce_on);
	loop_del(bond->loop, m->sock);
	close(m->sock);
	LOG_INFO(TAG, "%s: member %s removed", bond->name, pf_name(pf));
	free(m);
	return 0;
}

unsigned bond_member_count(const struct bond *bond)
{
	return bond->nmembers;
}

void bond_destroy(struct bond *bond, uint64_t now)
{
	char err[128];

	if (!bond)
		return;
	bond->deleting = true;
	while (bond->nmembers)
		bond_member_del(bond, bond->members[bond->nmembers - 1]->pf, now, err, sizeof(err));
	bond_lacp_stop(bond);
	dp_lag_clear(eswitch_dp(bond->sw), bond->slot);
	LOG_INFO(TAG, "%s: deleted", bond->name);
	free(bond);
}

int bond_reconfigure(struct bond *bond, const struct bond_config *cfg, uint64_t now,
		     char *err, size_t errlen)
{
	struct lacp_config lc;

	if (cfg->mode != bond->cfg.mode && bond->nmembers) {
		snprintf(err, errlen, "bond %s has members: remove them before changing its mode (as Linux bonding requires)",
			 bond->name);
		return -EBUSY;
	}
	bond->cfg = *cfg;
	if (cfg->mode != BOND_MODE_8023AD)
		bond_lacp_stop(bond);
	else if (bond->lacp) {
		bond_lacp_config(bond, &lc);
		lacp_reconfigure(bond->lacp, &lc, now);
	}
	bond->next_miimon = now;
	bond_update(bond);
	return 0;
}

void bond_get_config(const struct bond *bond, struct bond_config *cfg)
{
	*cfg = bond->cfg;
}

static bool bond_any_usable(const struct bond *bond)
{
	for (unsigned i = 0; i < bond->nmembers; i++)
		if (member_usable(bond->members[i]))
			return true;
	return false;
}

/* The link monitor for one member, given its carrier now. With no member
 * usable, updelay is ignored (as Linux does): waiting only lengthens the
 * outage. */
static bool member_link_step(struct bond *bond, struct bond_member *m, bool carrier,
			     bool ignore_updelay, uint64_t now)
{
	enum bond_link old = m->link;

	switch (m->link) {
	case BOND_LINK_UP:
		if (!carrier) {
			m->link = bond->cfg.downdelay ? BOND_LINK_FAIL : BOND_LINK_DOWN;
			m->link_deadline = now + bond->cfg.downdelay;
		}
		break;
	case BOND_LINK_FAIL:
		if (carrier)
			m->link = BOND_LINK_UP;
		else if (now >= m->link_deadline)
			m->link = BOND_LINK_DOWN;
		break;
	case BOND_LINK_DOWN:
		if (carrier) {
			m->link = bond->cfg.updelay && !ignore_updelay ? BOND_LINK_BACK : BOND_LINK_UP;
			m->link_deadline = now + bond->cfg.updelay;
		}
		break;
	case BOND_LINK_BACK:
		if (!carrier)
			m->link = BOND_LINK_DOWN;
		else if (now >= m->link_deadline || ignore_updelay)
			m->link = BOND_LINK_UP;
		break;
	}
	if (m->link == old)
		return false;
	if (m->link == BOND_LINK_DOWN && (old == BOND_LINK_UP || old == BOND_LINK_FAIL))
		m->link_failures++;
	LOG_INFO(TAG, "%s: %s link %s -> %s", bond->name, pf_name(m->pf), bond_link_names[old],
		 bond_link_names[m->link]);
	if (bond->lacp && member_usable(m) != (old == BOND_LINK_UP || old == BOND_LINK_FAIL))
		lacp_port_set_enabled(bond->lacp, m->index, member_usable(m), now);
	return true;
}

void bond_link_changed(struct bond *bond, struct pf *pf, uint64_t now)
{
	struct bond_member *m = member_of(bond, pf);

	if (m && member_link_step(bond, m, pf_carrier(pf), !bond_any_usable(bond), now))
		bond_update(bond);
}

void bond_run(struct bond *bond, uint64_t now)
{
	bool changed = false;
	bool poll = bond->cfg.miimon && now >= bond->next_miimon;
	bool ignore_updelay = !bond_any_usable(bond);

	if (poll)
		bond->next_miimon = now + bond->cfg.miimon;
	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];
		bool carrier = pf_carrier(m->pf);

		if (poll && eswitch_pf_poll_carrier(bond->sw, m->pf, &carrier))
			carrier = false;
		changed |= member_link_step(bond, m, carrier, ignore_updelay, now);
	}
	if (bond->lacp)
		lacp_run(bond->lacp, now);
	if (changed)
		bond_update(bond);
	else
		bond_publish(bond);
}

/* JSON. */

static json_t *lacp_info_json(const struct lacp_info *info)
{
	const char *names[8];
	unsigned n = lacp_state_names(info->state, names);
	json_t *state = json_array();
	char mac[MAC_STR_LEN];

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(state, json_string(names[i]));
	return json_pack("{s:i, s:s, s:i, s:i, s:i, s:o, s:i}",
			 "system_priority", info->sys_priority, "system", mac_format(info->sys_mac, mac),
			 "key", info->key, "port_priority", info->port_priority, "port", info->port,
			 "state", state, "state_raw", info->state);
}

static json_t *lacp_counters_json(const struct lacp_port_counters *c)
{
#define C(field) #field, (json_int_t)c->field
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 C(lacpdu_rx), C(lacpdu_tx), C(lacpdu_tx_err), C(lacpdu_tx_limited),
			 C(marker_rx), C(marker_resp_tx), C(marker_resp_rx), C(unknown_rx),
			 C(illegal_rx), C(rx_truncated), C(rx_bad_version), C(rx_bad_tlv),
			 C(rx_bad_system), C(rx_not_slow), C(rx_looped), C(partner_changes));
#undef C
}

static json_t *member_lacp_json(struct bond *bond, struct bond_member *m)
{
	struct lacp_port_status st;

	if (!bond->lacp || lacp_port_get_status(bond->lacp, m->index, &st))
		return json_null();
	return json_pack("{s:i, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:b, s:o}",
			 "aggregator_id", st.aggregator_id,
			 "selected", st.selected ? "SELECTED" : st.standby ? "STANDBY" : "UNSELECTED",
			 "actor", lacp_info_json(&st.actor), "partner", lacp_info_json(&st.partner),
			 "rx_state", st.rx_state, "mux_state", st.mux_state,
			 "periodic_state", st.periodic_state, "actor_churn", st.actor_churn,
			 "partner_churn", st.partner_churn, "looped", st.looped,
			 "counters", lacp_counters_json(&st.counters));
}

json_t *bond_json(struct bond *bond)
{
	json_t *members = json_array();
	json_t *obj;
	bool carrier = false;
	char mac[MAC_STR_LEN];

	for (unsigned i = 0; i < bond->nmembers; i++) {
		struct bond_member *m = bond->members[i];
		bool tx = false, rx = (bond->published.rx_mask >> m->index) & 1;
		const char *state;
		json_t *mj;

		for (unsigned t = 0; t < bond->published.tx_count; t++)
			tx |= bond->published.tx_ifindex[t] == (uint32_t)pf_ifindex(m->pf);
		carrier |= tx;
		if (!member_usable(m))
			state = "down";
		else if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP)
			state = m == bond->active ? "active" : "backup";
		else
			state = tx ? "active" : "backup";
		mj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:I, s:I}",
			       "name", pf_name(m->pf), "dev", pf_dev(m->pf),
			       "link", bond_link_names[m->link], "mac", mac_format(pf_mac(m->pf), mac),
			       "state", state, "tx", tx, "rx", rx, "link_failures", (int)m->link_failures,
			       "tx_errors", (json_int_t)m->tx_errors,
			       "slow_rx_ignored", (json_int_t)m->slow_rx_ignored);
		if (bond->cfg.mode == BOND_MODE_8023AD)
			json_object_set_new(mj, "lacp", member_lacp_json(bond, m));
		json_array_append_new(members, mj);
	}
	obj = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:o, s:b, s:o}",
			"name", bond->name, "mode", bond_mode_name(bond->cfg.mode), "mode_num",
			(int)bond->cfg.mode, "xmit_hash_policy", hash_policy_names[bond->cfg.hash_policy],
			"miimon", (int)bond->cfg.miimon, "updelay", (int)bond->cfg.updelay,
			"downdelay", (int)bond->cfg.downdelay,
			"primary", bond->cfg.primary[0] ? json_string(bond->cfg.primary) : json_null(),
			"carrier", carrier, "members", members);
	if (bond->cfg.mode == BOND_MODE_ACTIVE_BACKUP)
		json_object_set_new(obj, "active",
				    bond->active ? json_string(pf_name(bond->active->pf)) : json_null());
	if (bond->cfg.mode == BOND_MODE_8023AD) {
		struct lacp_status ls = { 0 };
		char pmac[MAC_STR_LEN];

		if (bond->lacp)
			lacp_get_status(bond->lacp, &ls);
		json_object_set_new(obj, "lacp", json_pack(
			"{s:s, s:b, s:s, s:i, s:i, s:s, s:i, s:i, s:b, s:s, s:i, s:i}",
			"rate", bond->cfg.lacp_rate == LACP_RATE_FAST ? "fast" : "slow",
			"active", bond->cfg.lacp_active,
			"ad_select", bond->cfg.ad_select == LACP_SELECT_BANDWIDTH ? "bandwidth" :
				     bond->cfg.ad_select == LACP_SELECT_COUNT ? "count" : "stable",
			"min_links", (int)bond->cfg.min_links, "sys_priority", (int)bond->cfg.sys_prio,
			"sys_mac", mac_format(bond->mac, mac), "aggregator_id", ls.active_aggregator_id,
			"num_ports", ls.num_ports, "ready", ls.ready,
			"partner_mac", mac_format(ls.partner_mac, pmac), "partner_key", ls.partner_key,
			"actor_key", ls.actor_key));
	}
	return obj;
}

json_t *bond_xmit_member_json(struct bond *bond, const uint8_t *frame, size_t len)
{
	const struct vflag_lag *lag = &bond->published;
	uint32_t hash = vflag_xmit_hash(frame, frame + len, lag->hash_policy);
	json_t *usable = json_array();
	const char *member = NULL;

	for (unsigned t = 0; t < lag->tx_count; t++) {
		struct pf *pf = eswitch_pf_by_ifindex(bond->sw, (int)lag->tx_ifindex[t]);

		json_array_append_new(usable, json_string(pf ? pf_name(pf) : "?"));
		if (t == (lag->tx_count > 1 ? hash % lag->tx_count : 0) && pf)
			member = pf_name(pf);
	}
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "bond", bond->name, "xmit_hash_policy",
			 hash_policy_names[lag->hash_policy], "hash", (json_int_t)hash,
			 "member", member ? json_string(member) : json_null(), "usable", usable);
}
