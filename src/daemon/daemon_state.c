/* Survivability of the daemon (doc/architecture.md "Survivability"): the
 * instance of one network namespace (its pin directory, state file and
 * lock), the state file written after every change, adoption of what a
 * previous vflagd left, and closing without teardown.
 *
 * The state file is JSON:
 *   { "version": 1,
 *     "hooks": [ { "ifindex": N, "created_qdisc": bool } ... ],
 *     "pfs":   [ eswitch_state_save()'s PFs with their VFs ],
 *     "bonds": [ { "name", "slot", "config": { bond_config fields },
 *                  "members": [ { "pf", "index", "active",
 *                                 "partner": { lacp_info } } ] } ] ,
 *     "lags":  [ eswitch_state_save_lags()'s modes and LAG representors ] }
 * members are in enslave order; "lags" may be absent (an older file). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/daemon_impl.h"
#include "flow/flow_table.h"
#include "eswitch/eswitch_state.h"

#define TAG "vflagd"
#define STATE_VERSION 1
#define RUN_DIR "/run/vflag"
#define BPF_FS_MAGIC_ 0xcafe4a11
#define SAVE_PERIOD_MS 1000

/* ---- the instance ---------------------------------------------------- */

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 &&
	       (unsigned long)st.f_type == BPF_FS_MAGIC_;
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* The bpffs our pins go to; they must outlive us, so it must be one the
 * next vflagd of this namespace sees too:
 *   /sys/fs/bpf       if it is a bpffs (vflagd in the host's mounts);
 *   /run/vflag/bpffs  if it is one: `ip netns exec` gives its command a
 *                     fresh /sys without bpffs, but keeps /run, so a
 *                     bpffs mounted there beforehand is shared;
 * else we mount bpffs on /sys/fs/bpf ourselves. Under `ip netns exec`
 * that mount is our own and goes with us: we say so. */
static int bpffs_root(char *buf, size_t len, char *err, size_t errlen)
{
	const char *root = "/sys/fs/bpf";

	if (!is_bpffs(root) && is_bpffs(RUN_DIR "/bpffs"))
		root = RUN_DIR "/bpffs";
	if (!is_bpffs(root)) {
		if (mount("bpf", root, "bpf", 0, "mode=0700") ||
		    !is_bpffs(root)) {
			snprintf(err, errlen,
				 "cannot mount bpffs on /sys/fs/bpf (needed to "
				 "pin the datapath): %s",
				 strerror(errno));
			return -errno;
		}
		LOG_INFO(TAG, "mounted bpffs on /sys/fs/bpf");
		if (!same_ns("/proc/self/ns/mnt", "/proc/1/ns/mnt"))
			LOG_WARN(
			    TAG,
			    "/sys/fs/bpf was not a bpffs: if this is a "
			    "private mount namespace (ip netns exec), the "
			    "pins go with this process; mount bpffs on " RUN_DIR
			    "/bpffs in the host to keep them");
	}
	snprintf(buf, len, "%s", root);
	return 0;
}

/* Removes whatever is in a pin directory (stale pins with no state). */
static void remove_pins(const char *dir)
{
	static const char *const names[] = {
	    "ports",  "fdb",	      "flood",
	    "lags",   "lag_template", "port_stats",
	    "police", "prog_ingress", "prog_egress",
	};
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int vflagd_instance_open(struct vflagd *d, char *err, size_t errlen)
{
	char root[64], path[96];
	struct stat st;
	int ret;

	d->lock_fd = -1;
	if (stat("/proc/self/ns/net", &st)) {
		snprintf(err, errlen,
			 "cannot identify our network namespace: %s",
			 strerror(errno));
		return -errno;
	}
	if (mkdir(RUN_DIR, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", RUN_DIR,
			 strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), RUN_DIR "/%lu.lock",
		 (unsigned long)st.st_ino);
	snprintf(d->lock_path, sizeof(d->lock_path), "%s", path);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		snprintf(err, errlen,
			 "another vflagd runs in this network namespace (it "
			 "holds %s): one vflagd per namespace",
			 path);
		goto close_lock;
	}
	snprintf(path, sizeof(path), RUN_DIR "/%lu", (unsigned long)st.st_ino);
	if (mkdir(path, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s: %s", path,
			 strerror(errno));
		goto close_lock;
	}
	snprintf(d->state_path, sizeof(d->state_path), "%s/state.json", path);
	ret = bpffs_root(root, sizeof(root), err, errlen);
	if (ret)
		goto close_lock;
	snprintf(d->pin_dir, sizeof(d->pin_dir), "%s/vflag/%lu", root,
		 (unsigned long)st.st_ino);
	/* Pins without a state file cannot be adopted (nothing says what
	 * they switch): start from empty maps rather than stale ones. */
	if (access(d->state_path, F_OK)) {
		remove_pins(d->pin_dir);
	}
	return 0;

close_lock:
	close(d->lock_fd);
	d->lock_fd = -1;
	return ret;
}

void vflagd_instance_close(struct vflagd *d)
{
	free(d->last_state);
	d->last_state = NULL;
	/* Torn down, the instance is over: no lock file left behind. Kept,
	 * the next vflagd takes the same file. */
	if (d->lock_fd >= 0 && (!d->keep || d->unpinned))
		unlink(d->lock_path);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}

/* ---- saving ---------------------------------------------------------- */

static json_t *config_json(const struct bond_config *c)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:s, s:i, s:i, s:b, s:i, s:i, "
			 "s:i}",
			 "mode", (int)c->mode, "miimon", (int)c->miimon,
			 "updelay", (int)c->updelay, "downdelay",
			 (int)c->downdelay, "primary", c->primary,
			 "hash_policy", (int)c->hash_policy, "lacp_rate",
			 (int)c->lacp_rate, "lacp_active", c->lacp_active,
			 "ad_select", (int)c->ad_select, "min_links",
			 (int)c->min_links, "sys_prio", (int)c->sys_prio);
}

static int config_from_json(json_t *j, struct bond_config *c)
{
	int mode, miimon, updelay, downdelay, hash, rate, active, sel, minl,
	    prio;
	const char *primary;

	if (json_unpack(j,
			"{s:i, s:i, s:i, s:i, s:s, s:i, s:i, s:b, s:i, s:i, "
			"s:i}",
			"mode", &mode, "miimon", &miimon, "updelay", &updelay,
			"downdelay", &downdelay, "primary", &primary,
			"hash_policy", &hash, "lacp_rate", &rate, "lacp_active",
			&active, "ad_select", &sel, "min_links", &minl,
			"sys_prio", &prio) ||
	    strlen(primary) > BOND_NAME_MAX)
		return -EINVAL;
	bond_config_init(c);
	c->mode = (enum bond_mode)mode;
	c->miimon = (uint32_t)miimon;
	c->updelay = (uint32_t)updelay;
	c->downdelay = (uint32_t)downdelay;
	snprintf(c->primary, sizeof(c->primary), "%s", primary);
	c->hash_policy = (uint32_t)hash;
	c->lacp_rate = (enum lacp_rate)rate;
	c->lacp_active = active;
	c->ad_select = (enum lacp_ad_select)sel;
	c->min_links = (uint32_t)minl;
	c->sys_prio = (uint32_t)prio;
	return 0;
}

static json_t *info_json(const struct lacp_info *i)
{
	char mac[18];

	return json_pack("{s:i, s:s, s:i, s:i, s:i, s:i}", "sys_priority",
			 i->sys_priority, "sys_mac",
			 mac_format(i->sys_mac, mac), "key", i->key,
			 "port_priority", i->port_priority, "port", i->port,
			 "state", i->state);
}

static int info_from_json(json_t *j, struct lacp_info *i)
{
	int sp, key, pp, port, state;
	const char *mac;

	if (json_unpack(j, "{s:i, s:s, s:i, s:i, s:i, s:i}", "sys_priority",
			&sp, "sys_mac", &mac, "key", &key, "port_priority", &pp,
			"port", &port, "state", &state) ||
	    mac_parse(mac, i->sys_mac))
		return -EINVAL;
	i->sys_priority = (uint16_t)sp;
	i->key = (uint16_t)key;
	i->port_priority = (uint16_t)pp;
	i->port = (uint16_t)port;
	i->state = (uint8_t)state;
	return 0;
}

static json_t *bond_json(const struct vflagd_bond *b)
{
	static struct bond_status st; /* large; one loop, not shared */
	json_t *members = json_array();

	bond_get_status(b->bond, &st);
	for (unsigned i = 0; i < st.nmembers; i++) {
		const struct bond_member_status *m = &st.members[i];
		json_t *jm =
		    json_pack("{s:s, s:i, s:b, s:i}", "pf", m->port.name,
			      "index", (int)m->index, "active",
			      st.active && !strcmp(st.active, m->port.name),
			      "link_failures", (int)m->link_failures);

		/* Only a partner heard from is worth resuming with. */
		if (m->has_lacp &&
		    !(m->lacp.partner.state & LACP_STATE_DEFAULTED) &&
		    !mac_is_zero(m->lacp.partner.sys_mac))
			json_object_set_new(jm, "partner",
					    info_json(&m->lacp.partner));
		json_array_append_new(members, jm);
	}
	return json_pack("{s:s, s:i, s:o, s:o}", "name", st.name, "slot",
			 (int)b->slot, "config", config_json(&st.cfg),
			 "members", members);
}

static json_t *state_json(struct vflagd *d)
{
	int ifindex[VFLAG_MAX_PORTS];
	bool created[VFLAG_MAX_PORTS];
	json_t *hooks = json_array(), *bonds = json_array();
	unsigned n = dp_hooks_get(d->dp, ifindex, created, VFLAG_MAX_PORTS);

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(
		    hooks, json_pack("{s:i, s:b}", "ifindex", ifindex[i],
				     "created_qdisc", created[i]));
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i])
			json_array_append_new(bonds, bond_json(d->bonds[i]));
	return json_pack("{s:i, s:o, s:o, s:o, s:o}", "version", STATE_VERSION,
			 "hooks", hooks, "pfs", eswitch_state_save(d->sw),
			 "bonds", bonds, "lags",
			 eswitch_state_save_lags(d->sw));
}

int vflagd_state_save(struct vflagd *d)
{
	char tmp[sizeof(d->state_path) + 8];
	json_t *j;
	char *text;
	FILE *f;
	int ret = 0;

	if (!d->state_path[0] || !d->sw || !d->dp)
		return 0;
	/* After a teardown nothing is pinned; new configuration pins
	 * again. */
	if (d->unpinned) {
		if (!eswitch_pf_at(d->sw, 0))
			return 0;
		ret = dp_repin(d->dp);
		if (ret) {
			LOG_ERR(TAG, "cannot pin the datapath again: %s",
				strerror(-ret));
			return ret;
		}
		d->unpinned = false;
	}
	j = state_json(d);
	text = j ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!text)
		return -ENOMEM;
	if (d->last_state && !strcmp(d->last_state, text)) {
		free(text);
		return 0;
	}
	/* A teardown removed the directory; new configuration brings it
	 * back. */
	snprintf(tmp, sizeof(tmp), "%s", d->state_path);
	*strrchr(tmp, '/') = 0;
	if (mkdir(tmp, 0700) && errno != EEXIST)
		LOG_WARN(TAG, "cannot create %s: %s", tmp, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fflush(f) || fsync(fileno(f))) {
		ret = -errno;
		LOG_ERR(TAG, "cannot write %s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		free(text);
		return ret;
	}
	fclose(f);
	/* rename() is atomic: a vflagd killed at any point leaves the old
	 * file or the new one, never half of one. */
	if (rename(tmp, d->state_path)) {
		ret = -errno;
		LOG_ERR(TAG, "cannot replace %s: %s", d->state_path,
			strerror(errno));
		unlink(tmp);
		free(text);
		return ret;
	}
	free(d->last_state);
	d->last_state = text;
	return 0;
}

void vflagd_state_tick(struct vflagd *d, uint64_t now)
{
	if (now < d->next_save_ms)
		return;
	d->next_save_ms = now + SAVE_PERIOD_MS;
	vflagd_state_save(d);
}

uint64_t vflagd_state_next_deadline(const struct vflagd *d)
{
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i])
			return d->next_save_ms;
	return UINT64_MAX;
}

/* Called by vflagd_teardown once everything is down. */
void vflagd_state_remove(struct vflagd *d)
{
	if (!d->state_path[0] || !d->dp)
		return;
	unlink(d->state_path);
	{
		char dir[sizeof(d->state_path)];

		snprintf(dir, sizeof(dir), "%s", d->state_path);
		*strrchr(dir, '/') = 0;
		rmdir(dir);
	}
	free(d->last_state);
	d->last_state = NULL;
	dp_unpin(d->dp);
	d->unpinned = true;
}

/* ---- adopting -------------------------------------------------------- */

static int adopt_hooks(struct vflagd *d, json_t *hooks)
{
	size_t i;
	json_t *h;

	json_array_foreach(hooks, i, h)
	{
		int ifindex, created, ret;

		if (json_unpack(h, "{s:i, s:b}", "ifindex", &ifindex,
				"created_qdisc", &created))
			return -EINVAL;
		ret = dp_port_adopt(d->dp, ifindex, created);
		/* A device gone while we were away takes its hook along. */
		if (ret && ret != -ENODEV && ret != -ENOENT && ret != -EINVAL)
			LOG_WARN(TAG,
				 "ifindex %d: cannot take over its hook: %s",
				 ifindex, strerror(-ret));
	}
	return 0;
}

static int adopt_bond(struct vflagd *d, json_t *jb, char *err, size_t errlen)
{
	struct lacp_info partners[VFLAG_MAX_LAG_MEMBERS];
	bool has_partner[VFLAG_MAX_LAG_MEMBERS] = {0};
	bool active[VFLAG_MAX_LAG_MEMBERS] = {0};
	uint32_t link_failures[VFLAG_MAX_LAG_MEMBERS] = {0};
	struct vflag_lag now_lag;
	struct bond_config cfg;
	struct vflagd_bond *b;
	const char *name;
	json_t *jcfg, *members, *jm;
	int slot, ret;
	size_t i;

	if (json_unpack(jb, "{s:s, s:i, s:o, s:o}", "name", &name, "slot",
			&slot, "config", &jcfg, "members", &members) ||
	    slot < 0 || slot >= VFLAG_MAX_LAGS || d->bonds[slot] ||
	    !eswitch_name_valid(name) || config_from_json(jcfg, &cfg) ||
	    !json_is_array(members)) {
		snprintf(err, errlen, "state: a bond is malformed");
		return -EINVAL;
	}
	b = vflagd_bond_alloc(d, (uint32_t)slot);
	if (!b)
		return -ENOMEM;
	b->hold_publish = b->hold_send = true;
	b->bond =
	    bond_create(name, b->slot, &cfg, &vflagd_bond_ops, b, err, errlen);
	if (!b->bond) {
		free(b);
		return -ENOMEM;
	}
	d->bonds[slot] = b;
	/* Its representor, adopted with the eswitch, or made again. */
	ret = eswitch_lag_rep_add(d->sw, b->slot, name, err, errlen);
	if (ret)
		LOG_WARN(TAG, "%s: %s", name, err);
	json_array_foreach(members, i, jm)
	{
		const char *pfname;
		int index, act = 0, failures = 0, got;
		json_t *jp = NULL;
		struct pf *pf;
		char why[256];

		if (json_unpack(jm, "{s:s, s:i, s?b, s?o, s?i}", "pf", &pfname,
				"index", &index, "active", &act, "partner", &jp,
				"link_failures", &failures) ||
		    index < 0 || index >= VFLAG_MAX_LAG_MEMBERS)
			continue;
		pf = eswitch_pf_find(d->sw, pfname);
		if (!pf) {
			LOG_WARN(TAG, "%s: member %s was not adopted", name,
				 pfname);
			continue;
		}
		if (vflagd_bond_member_add(d, b, pf, why, sizeof(why))) {
			LOG_WARN(TAG, "%s: cannot take member %s back: %s",
				 name, pfname, why);
			continue;
		}
		got = bond_member_find(b->bond, pfname);
		if (got != index)
			LOG_WARN(TAG, "%s: member %s had index %d, now %d",
				 name, pfname, index, got);
		if (got < 0)
			continue;
		active[got] = act;
		link_failures[got] = (uint32_t)(failures > 0 ? failures : 0);
		has_partner[got] = jp && !info_from_json(jp, &partners[got]);
	}
	/* From here on what LACP says is true again: let it speak, with
	 * the saved partners, before the datapath sees anything. */
	b->hold_send = false;
	for (unsigned m = 0; m < VFLAG_MAX_LAG_MEMBERS; m++) {
		if (!b->members[m].pf)
			continue;
		ret = bond_resume_member(b->bond, m, active[m],
					 has_partner[m] ? &partners[m] : NULL,
					 link_failures[m], clock_now_ms());
		if (ret)
			LOG_WARN(TAG, "%s: member %u not resumed: %s", name, m,
				 strerror(-ret));
	}
	b->hold_publish = false;
	if (b->have_pending &&
	    (dp_lag_read(d->dp, b->slot, &now_lag) ||
	     memcmp(&now_lag, &b->pending, sizeof(now_lag)))) {
		LOG_WARN(TAG,
			 "%s: the members in use changed while no vflagd ran: "
			 "publishing what the links say now",
			 name);
		dp_lag_publish(d->dp, b->slot, &b->pending);
	}
	LOG_INFO(TAG, "bond %s adopted in slot %d with %u member(s)", name,
		 slot, bond_member_count(b->bond));
	return 0;
}

int vflagd_adopt(struct vflagd *d, char *err, size_t errlen)
{
	json_t *j, *hooks, *pfs, *bonds, *jb, *lags = NULL;
	json_error_t jerr;
	int version, ret;
	size_t i;

	if (!d->state_path[0] || access(d->state_path, F_OK))
		return 0;
	if (!dp_adopted(d->dp)) {
		LOG_WARN(TAG,
			 "%s is left from a datapath that is gone (not "
			 "pinned): starting empty",
			 d->state_path);
		unlink(d->state_path);
		return 0;
	}
	j = json_load_file(d->state_path, 0, &jerr);
	if (!j ||
	    json_unpack(j, "{s:i, s:o, s:o, s:o, s?o}", "version", &version,
			"hooks", &hooks, "pfs", &pfs, "bonds", &bonds, "lags",
			&lags) ||
	    version != STATE_VERSION || !json_is_array(hooks) ||
	    !json_is_array(bonds)) {
		snprintf(err, errlen,
			 "%s: not a vflagd state file (version %d): %s",
			 d->state_path, STATE_VERSION,
			 j ? "unexpected content" : jerr.text);
		json_decref(j);
		return -EINVAL;
	}
	ret = eswitch_state_restore(d->sw, pfs, &d->adopted_pfs,
				    &d->adopted_vfs, err, errlen);
	if (!ret)
		ret = eswitch_state_restore_lags(d->sw, lags, err, errlen);
	if (!ret)
		ret = adopt_hooks(d, hooks);
	json_array_foreach(bonds, i, jb)
	{
		if (ret)
			break;
		ret = adopt_bond(d, jb, err, errlen);
		if (!ret)
			d->adopted_bonds++;
	}
	json_decref(j);
	if (ret)
		return ret;
	d->adopted = true;
	LOG_INFO(TAG, "adopted %u PF(s), %u VF(s), %u bond(s) from %s",
		 d->adopted_pfs, d->adopted_vfs, d->adopted_bonds,
		 d->state_path);
	/* The offload table's rules are in the pinned maps themselves. */
	if (d->flows) {
		int n = flow_table_adopt(d->flows);

		if (n < 0)
			LOG_WARN(TAG, "offload table not adopted: %s",
				 strerror(-n));
		else if (n)
			LOG_INFO(TAG, "adopted %d offloaded rule(s)", n);
	}
	return vflagd_state_save(d);
}

bool vflagd_adopted(const struct vflagd *d, unsigned *pfs, unsigned *vfs,
		    unsigned *bonds)
{
	*pfs = d->adopted_pfs;
	*vfs = d->adopted_vfs;
	*bonds = d->adopted_bonds;
	return d->adopted;
}

/* ---- stopping without teardown --------------------------------------- */

void vflagd_close_keep(struct vflagd *d)
{
	if (!d)
		return;
	vflagd_jobs_cancel(d); /* settled and saved before we keep it */
	/* Nothing configured, nothing to keep: leave no pin behind. */
	if (d->sw && !eswitch_pf_at(d->sw, 0)) {
		vflagd_close(d);
		return;
	}
	/* Bonds are freed through bond_destroy, which releases the members:
	 * held, none of that reaches the datapath, the eswitch or the wire. */
	for (unsigned i = 0; i < VFLAG_MAX_LAGS; i++)
		if (d->bonds[i]) {
			d->bonds[i]->hold_publish = true;
			d->bonds[i]->hold_send = true;
			d->bonds[i]->releasing = true;
		}
	d->keep = true;
	vflagd_close(d);
}
