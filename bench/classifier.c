/* The offload table's bench (issue 9 item 4): insertion rate into the
 * real BPF maps for 1M rules (raw map updates, batched updates, and
 * through the classifier model), and the lookup cost per frame by number
 * of masks in use, as ratios against the baseline in the same run (a VF
 * port in switchdev with offload on and an empty table: every frame a
 * miss to the representor). Figures only: it never passes or fails on
 * time.
 *
 * Runs as root in a private network namespace of its own (one veth).
 * Usage: bench_classifier [RULES] [REPEAT]   (default 1000000, 200000) */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "common/log.h"
#include "dp/dp.h"
#include "flow/flow_table.h"
#include "nl/nl.h"

#define PORT_ID 10
static int port_ifindex;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int resolve(void *ctx, const char *name, struct flow_port *p, char *err,
		   size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->in_port = PORT_ID;
	p->out_ifindex = (uint32_t)port_ifindex;
	p->out_port_id = PORT_ID;
	p->offload_ok = true;
	return 0;
}

static const struct flow_resolver resolver = {.resolve = resolve};

/* Rule i: exact dst MAC 02:xx:xx:xx:xx:xx from i, on the port. */
static void mac_of(uint32_t i, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x10;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

static struct vflag_flow_key mac_mask(void)
{
	struct vflag_flow_key m = {.in_port = 0xffffffffu};

	memset(m.dst, 0xff, 6);
	return m;
}

/* Raw: one bpf_map_update_elem per rule, or batches of 4096. */
static void bench_raw(struct dp *dp, uint32_t n, int batch)
{
	struct vflag_flow_key mask = mac_mask();
	struct vflag_flow_mask_list empty = {0};
	struct vflag_flow_key *keys = calloc(4096, sizeof(*keys));
	struct vflag_flow_act *acts = calloc(4096, sizeof(*acts));
	double t0, t;
	uint32_t done = 0;

	dp_flow_ops.list_set(dp, &empty);
	if (dp_flow_ops.mask_add(dp, 0, &mask)) {
		fprintf(stderr, "mask_add failed\n");
		exit(1);
	}
	t0 = now_s();
	while (done < n) {
		uint32_t k = n - done < 4096 ? n - done : 4096;

		for (uint32_t j = 0; j < k; j++) {
			keys[j] = (struct vflag_flow_key){.in_port = PORT_ID};
			mac_of(done + j, keys[j].dst);
			acts[j] = (struct vflag_flow_act){
			    .rule_id = done + j + 1,
			    .prio = 1,
			    .actions = VFLAG_FLOW_ACT_DROP};
		}
		if (batch) {
			if (dp_flow_rule_set_batch(dp, 0, keys, acts, k) !=
			    (int)k) {
				fprintf(stderr, "batch update failed at %u\n",
					done);
				exit(1);
			}
		} else {
			for (uint32_t j = 0; j < k; j++)
				if (dp_flow_ops.rule_set(dp, 0, &keys[j],
							 &acts[j])) {
					fprintf(stderr,
						"update failed at %u: %s\n",
						done + j, strerror(errno));
					exit(1);
				}
		}
		done += k;
	}
	t = now_s() - t0;
	printf("insert %-28s %8u rules  %6.2f s  %10.0f rules/s\n",
	       batch ? "raw map, batches of 4096" : "raw map, one syscall each",
	       n, t, n / t);
	dp_flow_ops.mask_del(dp, 0);
	free(keys);
	free(acts);
}

/* A backend that does nothing: the model's own cost. */
static int null_mask_add(void *c, uint32_t s, const struct vflag_flow_key *m)
{
	return 0;
}
static void null_mask_del(void *c, uint32_t s)
{
}
static int null_list_set(void *c, const struct vflag_flow_mask_list *l)
{
	return 0;
}
static int null_rule_set(void *c, uint32_t s, const struct vflag_flow_key *k,
			 const struct vflag_flow_act *a)
{
	return 0;
}
static void null_rule_del(void *c, uint32_t s, const struct vflag_flow_key *k)
{
}
static int null_stats_read(void *c, uint32_t id, struct vflag_flow_stats *st)
{
	return 0;
}
static int null_stats_clear(void *c, uint32_t id)
{
	return 0;
}
static const struct flow_table_ops null_ops = {
    .mask_add = null_mask_add,
    .mask_del = null_mask_del,
    .list_set = null_list_set,
    .rule_set = null_rule_set,
    .rule_del = null_rule_del,
    .stats_read = null_stats_read,
    .stats_clear = null_stats_clear,
};

static void bench_model(const struct flow_table_ops *ops, void *ctx,
			const char *what, uint32_t n)
{
	struct flow_table *ft = flow_table_create(ops, ctx, &resolver);
	struct flower_rule r = {
	    .prio = 1, .actions = VFLAG_FLOW_ACT_DROP, .dev = "rep0"};
	char err[128];
	double t0, t;

	memset(r.mask.dst, 0xff, 6);
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		mac_of(i, r.key.dst);
		if (flow_table_add(ft, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "add %u: %s\n", i, err);
			exit(1);
		}
	}
	t = now_s() - t0;
	printf("insert %-28s %8u rules  %6.2f s  %10.0f rules/s  (%u in "
	       "hw)\n",
	       what, n, t, n / t, flow_table_rules(ft));
	t0 = now_s();
	flow_table_del(ft, "rep0", 0, 0, err, sizeof(err));
	t = now_s() - t0;
	printf("delete %-28s %8u rules  %6.2f s  %10.0f rules/s\n", what, n, t,
	       n / t);
	flow_table_destroy(ft);
}

/* An IPv4/TCP frame from the VF. */
static size_t frame(uint8_t *b)
{
	memset(b, 0, 64);
	memcpy(b, "\x02\x00\x00\x00\x99\x01", 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x01\x00", 6);
	b[12] = 0x08;
	b[14] = 0x45;
	b[14 + 9] = 6;
	memcpy(b + 14 + 12, "\x0a\x00\x00\x01", 4);
	memcpy(b + 14 + 16, "\x0a\x00\x00\x02", 4);
	b[34] = 0x9c;
	b[35] = 0x40;
	b[37] = 80;
	return 64;
}

static double run_ns(int prog_fd, uint32_t repeat, int *verdict)
{
	uint8_t b[64], out[128];
	struct __sk_buff ctx = {.ifindex = (uint32_t)port_ifindex};
	size_t len = frame(b);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		fprintf(stderr, "test run: %s\n", strerror(errno));
		exit(1);
	}
	*verdict = (int)opts.retval;
	return opts.duration;
}

/* nmasks distinct masks (dst_ip /1../nmasks), 64 rules each, none of
 * which the frame matches: the search visits every mask (the worst
 * case); then one rule in the last mask that it does match. */
static void bench_lookup(struct dp *dp, uint32_t repeat)
{
	static const unsigned counts[] = {0, 1, 4, 16};
	int fd = dp_ingress_prog_fd(dp), v;
	double base = 0;

	printf("\nlookup per frame (BPF_PROG_TEST_RUN, repeat %u), "
	       "IPv4/TCP from a VF in switchdev with offload on:\n",
	       repeat);
	printf("  %-6s %-22s %9s %7s   %-20s %9s %7s\n", "masks",
	       "miss (all searched)", "ns", "ratio", "hit (last mask)", "ns",
	       "ratio");
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct flow_table *ft =
		    flow_table_create(&dp_flow_ops, dp, &resolver);
		struct flower_rule r = {
		    .prio = 10, .actions = VFLAG_FLOW_ACT_DROP, .dev = "rep0"};
		char err[128];
		double miss, hit = 0;
		int vhit = 0;

		r.key.eth_type = 0x0800;
		r.mask.eth_type = 0xffff;
		for (unsigned m = 0; m < counts[c]; m++) {
			uint32_t len = 9 + m; /* /9../24: never 10.0.0.2 */
			uint32_t mask = htonl(~0u << (32 - len));

			r.mask.dst_ip[0] = mask;
			for (uint32_t i = 0; i < 64; i++) {
				r.key.dst_ip[0] = htonl((11u + i) << 24) & mask;
				r.prio = 10 + m;
				if (flow_table_add(ft, &r, err, sizeof(err)) <
				    0) {
					fprintf(stderr, "%s\n", err);
					exit(1);
				}
			}
		}
		miss = run_ns(fd, repeat, &v);
		if (c == 0)
			base = miss;
		if (counts[c]) {
			/* The frame's own /(8+n) in the last mask. */
			uint32_t len = 9 + counts[c] - 1;
			uint32_t mask = htonl(~0u << (32 - len));

			r.mask.dst_ip[0] = mask;
			r.key.dst_ip[0] = htonl(0x0a000002) & mask;
			r.prio = 1000;
			flow_table_add(ft, &r, err, sizeof(err));
			hit = run_ns(fd, repeat, &vhit);
		}
		printf("  %-6u %-22s %9.1f %7.2f   ", counts[c],
		       v == TC_ACT_OK ? "to representor" : "?", miss,
		       miss / base);
		if (counts[c])
			printf("%-20s %9.1f %7.2f\n",
			       vhit == TC_ACT_SHOT ? "drop" : "?", hit,
			       hit / base);
		else
			printf("%-20s %9s %7s\n", "(baseline)", "-", "-");
		flow_table_destroy(ft);
		/* The model's destroy leaves the datapath as it is: empty
		 * it for the next count. */
		{
			struct vflag_flow_mask_list empty = {0};

			dp_flow_ops.list_set(dp, &empty);
			for (uint32_t s = 0; s < VFLAG_FLOW_MAX_MASKS; s++)
				dp_flow_ops.mask_del(dp, s);
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	uint32_t repeat =
	    argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 200000;
	struct vflag_port port = {
	    .id = PORT_ID,
	    .kind = VFLAG_PORT_VF,
	    .domain = 1,
	    .lag_slot = VFLAG_NO_LAG,
	    .flags = VFLAG_PORT_F_SWITCHDEV | VFLAG_PORT_F_OFFLOAD,
	    .flow_port = PORT_ID,
	};
	char err[256];
	struct nl *nl;
	struct dp *dp;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n >= VFLAG_FLOW_MAX_RULES)
		n = VFLAG_FLOW_MAX_RULES - 1;
	if (unshare(CLONE_NEWNET)) {
		perror("unshare (run as root)");
		return 1;
	}
	log_set_quiet(true);
	nl = nl_open();
	port_ifindex = nl ? nl_veth_create(nl, "rep0", "vf0", NULL) : -1;
	if (port_ifindex < 0 || nl_link_set_up(nl, port_ifindex, true)) {
		fprintf(stderr, "cannot create the veth\n");
		return 1;
	}
	nl_close(nl);
	dp = dp_open(err, sizeof(err));
	if (!dp || dp_port_attach(dp, port_ifindex, &port)) {
		fprintf(stderr, "datapath: %s\n", dp ? "attach failed" : err);
		return 1;
	}
	memcpy(port.mac, "\x02\x00\x00\x00\x01\x00", 6);
	printf("offload table bench: %u rules, %d CPUs\n\n", n,
	       libbpf_num_possible_cpus());
	bench_raw(dp, n, 0);
	bench_raw(dp, n, 1);
	bench_model(&null_ops, NULL, "classifier model alone", n);
	bench_model(&dp_flow_ops, dp, "classifier model + maps", n);
	bench_lookup(dp, repeat);
	dp_close(dp);
	return 0;
}
