/* Pinning the eBPF eswitch in bpffs so that the datapath outlives vflagd,
 * and adopting it again when vflagd restarts (doc/architecture.md,
 * "Survivability").
 *
 * Layout under the instance's pin_dir (one per network namespace, chosen
 * by the daemon): one file per map, named as in eswitch.bpf.c (ports,
 * fdb, flood, lags, port_stats, police, and the offload table's
 * flow_masks, flow_table_template, flow_tables, flow_mask_list,
 * flow_stats), and the programs as prog_ingress and prog_egress. `lags`
 * is mmapped again on adoption (dp_lag.c); both copies of every LAG
 * survive in it.
 *
 * A restart reuses the pinned maps (libbpf's pin_path reuse), loads the
 * programs again sharing them, and replaces the tc filters of the ports
 * it adopts in one step each (BPF_TC_F_REPLACE): the old programs keep
 * switching until the new ones take over, on the same map contents. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "dp/dp_impl.h"
#include "eswitch.skel.h"

#define TAG "dp"

/* Maps libbpf makes for global data (".rodata", ".bss") hold nothing
 * that must survive; only the named maps are pinned. */
static bool map_pinnable(const struct bpf_map *map)
{
	return !strchr(bpf_map__name(map), '.');
}

static int mkdir_p(const char *path)
{
	char buf[sizeof(((struct dp *)0)->pin_dir)];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int dp_pin_prepare(struct dp *dp, const char *pin_dir, char *err, size_t errlen)
{
	struct bpf_map *map;
	char path[256];
	int ret;

	if (strlen(pin_dir) >= sizeof(dp->pin_dir)) {
		snprintf(err, errlen, "pin directory %s: name too long",
			 pin_dir);
		return -ENAMETOOLONG;
	}
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", pin_dir);
	ret = mkdir_p(pin_dir);
	if (ret) {
		snprintf(err, errlen, "cannot create %s: %s", pin_dir,
			 strerror(-ret));
		return ret;
	}
	/* `ports` decides: all maps are pinned together. */
	snprintf(path, sizeof(path), "%s/ports", pin_dir);
	dp->adopted = access(path, F_OK) == 0;
	bpf_object__for_each_map(map, dp->skel->obj)
	{
		if (!map_pinnable(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir,
			 bpf_map__name(map));
		ret = bpf_map__set_pin_path(map, path);
		if (ret) {
			snprintf(err, errlen, "cannot pin map %s: %s",
				 bpf_map__name(map), strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int dp_pin_discard(struct dp *dp, char *err, size_t errlen)
{
	/* lag_template: the inner map of builds whose `lags` was a map of
	 * maps, removed on the upgrade from them. */
	static const char *const names[] = {
	    "ports",
	    "fdb",
	    "flood",
	    "lags",
	    "lag_template",
	    "port_stats",
	    "police",
	    "flow_masks",
	    "flow_table_template",
	    "flow_tables",
	    "flow_mask_list",
	    "flow_stats",
	    "prog_ingress",
	    "prog_egress",
	};
	char dir[sizeof(dp->pin_dir)], path[256];

	LOG_WARN(TAG,
		 "the maps pinned in %s do not fit this build: starting on "
		 "new ones (nothing adopted)",
		 dp->pin_dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, names[i]);
		unlink(path);
	}
	snprintf(dir, sizeof(dir), "%s", dp->pin_dir);
	return dp_pin_prepare(dp, dir, err, errlen);
}

static int pin_prog(struct dp *dp, struct bpf_program *prog, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, name);
	/* The previous vflagd's program stays loaded as long as a tc filter
	 * references it; the pin names the one we hook from now on. */
	unlink(path);
	return bpf_program__pin(prog, path);
}

int dp_pin_programs(struct dp *dp, char *err, size_t errlen)
{
	int ret = pin_prog(dp, dp->skel->progs.vflag_ingress, "prog_ingress");

	if (!ret)
		ret = pin_prog(dp, dp->skel->progs.vflag_egress, "prog_egress");
	if (ret)
		snprintf(err, errlen, "cannot pin the programs in %s: %s",
			 dp->pin_dir, strerror(-ret));
	return ret;
}

bool dp_adopted(const struct dp *dp)
{
	return dp->adopted;
}

void dp_close_keep(struct dp *dp)
{
	if (!dp)
		return;
	/* Our fds go; the pins and the tc filters hold the objects. */
	dp->nhooks = 0;
	dp_flow_close(dp);
	dp_lag_unmap(dp);
	eswitch_bpf__destroy(dp->skel);
	free(dp);
}

void dp_unpin(struct dp *dp)
{
	struct bpf_map *map;
	char path[256];

	if (!dp->pin_dir[0])
		return;
	bpf_object__for_each_map(map, dp->skel->obj)
	{
		if (map_pinnable(map) && bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	}
	snprintf(path, sizeof(path), "%s/prog_ingress", dp->pin_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/prog_egress", dp->pin_dir);
	unlink(path);
	if (rmdir(dp->pin_dir) && errno != ENOENT)
		LOG_WARN(TAG, "cannot remove %s: %s", dp->pin_dir,
			 strerror(errno));
	/* The root all instances share (.../vflag) goes with the last one:
	 * a teardown leaves nothing of vflag in bpffs. */
	snprintf(path, sizeof(path), "%s", dp->pin_dir);
	if (strrchr(path, '/')) {
		*strrchr(path, '/') = '\0';
		rmdir(path); /* ENOTEMPTY while another instance has pins */
	}
}

int dp_repin(struct dp *dp)
{
	struct bpf_map *map;
	char err[256];
	int ret;

	if (!dp->pin_dir[0])
		return 0;
	ret = mkdir_p(dp->pin_dir);
	if (ret)
		return ret;
	bpf_object__for_each_map(map, dp->skel->obj)
	{
		if (!map_pinnable(map) || bpf_map__is_pinned(map))
			continue;
		ret = bpf_map__pin(map, NULL);
		if (ret)
			return ret;
	}
	return dp_pin_programs(dp, err, sizeof(err));
}

int dp_port_adopt(struct dp *dp, int ifindex, bool created_qdisc)
{
	int ret;

	for (unsigned i = 0; i < dp->nhooks; i++)
		if (dp->hooks[i].ifindex == ifindex)
			return 0;
	if (dp->nhooks == VFLAG_MAX_PORTS)
		return -ENOSPC;
	ret = dp_tc_attach(ifindex, BPF_TC_INGRESS,
			   bpf_program__fd(dp->skel->progs.vflag_ingress));
	if (!ret)
		ret =
		    dp_tc_attach(ifindex, BPF_TC_EGRESS,
				 bpf_program__fd(dp->skel->progs.vflag_egress));
	if (ret)
		return ret;
	dp->hooks[dp->nhooks++] = (struct dp_hook){
	    .ifindex = ifindex,
	    .created_qdisc = created_qdisc,
	};
	return 0;
}

unsigned dp_hooks_get(const struct dp *dp, int *ifindex, bool *created_qdisc,
		      unsigned cap)
{
	unsigned n = dp->nhooks < cap ? dp->nhooks : cap;

	for (unsigned i = 0; i < n; i++) {
		ifindex[i] = dp->hooks[i].ifindex;
		created_qdisc[i] = dp->hooks[i].created_qdisc;
	}
	return n;
}
