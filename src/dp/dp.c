/* The eBPF eswitch through libbpf: skeleton, tc hooks, map updates. */
#include "dp/dp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "dp/dp_impl.h"
#include "eswitch.skel.h"

#define TAG "dp"

int dp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && log_get_level() >= LOG_LVL_WARN)
		return vfprintf(stderr, fmt, ap);
	if (log_get_level() >= LOG_LVL_DEBUG)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

struct dp *dp_open(char *err, size_t errlen)
{
	return dp_open_pinned(NULL, err, errlen);
}

struct dp *dp_open_pinned(const char *pin_dir, char *err, size_t errlen)
{
	struct dp *dp = calloc(1, sizeof(*dp));
	int ret;

	if (!dp) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(dp_libbpf_print);
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		snprintf(err, errlen, "cannot count CPUs: %s",
			 strerror(-dp->ncpus));
		goto free_dp;
	}
	dp->skel = eswitch_bpf__open();
	if (!dp->skel) {
		snprintf(err, errlen, "cannot open the eswitch BPF object: %s",
			 strerror(errno));
		goto free_dp;
	}
	if (pin_dir && dp_pin_prepare(dp, pin_dir, err, errlen))
		goto destroy_skel;
	ret = eswitch_bpf__load(dp->skel);
	if (ret && dp->adopted) {
		/* Pinned maps this build cannot reuse (another layout: an
		 * upgrade that changed vflag_dp.h). The old programs keep
		 * switching on them until our hooks replace theirs. */
		eswitch_bpf__destroy(dp->skel);
		dp->skel = eswitch_bpf__open();
		if (!dp->skel) {
			snprintf(err, errlen,
				 "cannot open the eswitch BPF object: %s",
				 strerror(errno));
			goto free_dp;
		}
		ret = dp_pin_discard(dp, err, errlen);
		if (ret)
			goto destroy_skel;
		ret = eswitch_bpf__load(dp->skel);
	}
	if (ret) {
		snprintf(err, errlen,
			 "cannot load the eswitch BPF programs: %s (vflagd "
			 "needs root or CAP_BPF+CAP_NET_ADMIN, and a kernel "
			 "with BPF and BTF)",
			 strerror(-ret));
		goto destroy_skel;
	}
	if (pin_dir && dp_pin_programs(dp, err, errlen))
		goto destroy_skel;
	ret = dp_lag_map(dp);
	if (ret) {
		snprintf(err, errlen, "cannot map the LAG table: %s",
			 strerror(-ret));
		goto destroy_skel;
	}
	return dp;

destroy_skel:
	eswitch_bpf__destroy(dp->skel);
free_dp:
	free(dp);
	return NULL;
}

static struct dp_hook *dp_hook_find(struct dp *dp, int ifindex)
{
	for (unsigned i = 0; i < dp->nhooks; i++)
		if (dp->hooks[i].ifindex == ifindex)
			return &dp->hooks[i];
	return NULL;
}

/* Removes our filters from ifindex, or the whole clsact if we made it. */
static void dp_tc_remove(int ifindex, bool created_qdisc)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO);

	if (created_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		return;
	}
	hook.attach_point = BPF_TC_INGRESS;
	bpf_tc_detach(&hook, &opts);
	hook.attach_point = BPF_TC_EGRESS;
	bpf_tc_detach(&hook, &opts);
}

static void dp_unhook(struct dp *dp, struct dp_hook *h, bool device_gone)
{
	if (!device_gone)
		dp_tc_remove(h->ifindex, h->created_qdisc);
	*h = dp->hooks[--dp->nhooks];
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	while (dp->nhooks) {
		int ifindex = dp->hooks[0].ifindex;

		dp_unhook(dp, &dp->hooks[0], false);
		bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ports),
				    &ifindex);
	}
	/* Unhooked, the pinned maps switch nothing: nothing to adopt. */
	dp_unpin(dp);
	dp_flow_close(dp);
	dp_lag_unmap(dp);
	eswitch_bpf__destroy(dp->skel);
	free(dp);
}

int dp_tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIO, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

int dp_port_update(struct dp *dp, int ifindex, const struct vflag_port *port)
{
	uint32_t key = (uint32_t)ifindex;

	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ports), &key, port,
				BPF_ANY))
		return -errno;
	return 0;
}

int dp_port_attach(struct dp *dp, int ifindex, const struct vflag_port *port)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	struct dp_hook *h = dp_hook_find(dp, ifindex);
	bool created = false;
	int ret;

	ret = dp_port_update(dp, ifindex, port);
	if (ret)
		return ret;
	if (h)
		return 0;
	if (dp->nhooks == VFLAG_MAX_PORTS) {
		ret = -ENOSPC;
		goto forget_port;
	}
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		goto forget_port;
	created = ret == 0;
	ret = dp_tc_attach(ifindex, BPF_TC_INGRESS,
			   bpf_program__fd(dp->skel->progs.vflag_ingress));
	if (ret)
		goto destroy_qdisc;
	ret = dp_tc_attach(ifindex, BPF_TC_EGRESS,
			   bpf_program__fd(dp->skel->progs.vflag_egress));
	if (ret)
		goto destroy_qdisc;
	dp->hooks[dp->nhooks++] =
	    (struct dp_hook){.ifindex = ifindex, .created_qdisc = created};
	return 0;

destroy_qdisc:
	dp_tc_remove(ifindex, created);
forget_port : {
	uint32_t key = (uint32_t)ifindex;

	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ports), &key);
}
	return ret;
}

void dp_port_detach(struct dp *dp, int ifindex, bool device_gone)
{
	struct dp_hook *h = dp_hook_find(dp, ifindex);
	uint32_t key = (uint32_t)ifindex;

	/* Forget the port first, so a frame in flight finds no entry and is
	 * left alone rather than switched by a half-removed port. */
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ports), &key);
	if (h)
		dp_unhook(dp, h, device_gone);
}

int dp_fdb_set(struct dp *dp, uint32_t domain, uint16_t vlan,
	       const uint8_t mac[6], int ifindex, uint32_t port_id)
{
	struct vflag_fdb_key key = {.domain = domain, .vlan = vlan};
	struct vflag_fdb_val val = {.ifindex = (uint32_t)ifindex,
				    .port_id = port_id};

	memcpy(key.mac, mac, 6);
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.fdb), &key, &val,
				BPF_ANY))
		return -errno;
	return 0;
}

void dp_fdb_del(struct dp *dp, uint32_t domain, uint16_t vlan,
		const uint8_t mac[6])
{
	struct vflag_fdb_key key = {.domain = domain, .vlan = vlan};

	memcpy(key.mac, mac, 6);
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.fdb), &key);
}

int dp_flood_set(struct dp *dp, uint32_t domain, const struct vflag_flood *fl)
{
	if (domain >= VFLAG_MAX_DOMAINS)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.flood), &domain, fl,
				BPF_ANY))
		return -errno;
	return 0;
}

int dp_stats_read(struct dp *dp, uint32_t port_id, struct vflag_port_stats *sum)
{
	struct vflag_port_stats *percpu =
	    calloc((size_t)dp->ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.port_stats),
				&port_id, percpu)) {
		ret = -errno;
		goto free_percpu;
	}
	for (int cpu = 0; cpu < dp->ncpus; cpu++) {
		const uint64_t *src = (const uint64_t *)&percpu[cpu];
		uint64_t *dst = (uint64_t *)sum;

		for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
free_percpu:
	free(percpu);
	return ret;
}

int dp_stats_clear(struct dp *dp, uint32_t port_id)
{
	struct vflag_port_stats *zero =
	    calloc((size_t)dp->ncpus, sizeof(*zero));
	int ret = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.port_stats),
				&port_id, zero, BPF_ANY))
		ret = -errno;
	free(zero);
	return ret;
}

int dp_ingress_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.vflag_ingress);
}

int dp_egress_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.vflag_egress);
}
