/* The in-memory offload table backend (fake_flow.h). */
#include "fake_flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vflag_flow.h"

bool fake_offload_off;
unsigned fake_port_base = 10;

static bool listed(const struct fake_flow *f, uint32_t slot)
{
	for (uint32_t i = 0; i < f->list.count; i++)
		if (f->list.slot[i] == slot)
			return true;
	return false;
}

static int mask_add(void *ctx, uint32_t slot, const struct vflag_flow_key *m)
{
	struct fake_flow *f = ctx;

	f->calls++;
	if (slot >= VFLAG_FLOW_MAX_MASKS || f->mask_used[slot])
		return -EINVAL;
	f->mask_used[slot] = true;
	f->mask[slot] = *m;
	f->tab[slot] = calloc(FAKE_FLOW_MAX, sizeof(struct fake_flow_entry));
	f->n[slot] = 0;
	return 0;
}

static void mask_del(void *ctx, uint32_t slot)
{
	struct fake_flow *f = ctx;

	f->calls++;
	if (listed(f, slot))
		f->violations++;
	f->mask_used[slot] = false;
	free(f->tab[slot]);
	f->tab[slot] = NULL;
	f->n[slot] = 0;
}

static int list_set(void *ctx, const struct vflag_flow_mask_list *l)
{
	struct fake_flow *f = ctx;

	f->calls++;
	for (uint32_t i = 0; i < l->count; i++)
		if (!f->mask_used[l->slot[i]])
			f->violations++;
	f->list = *l;
	f->list_writes++;
	return 0;
}

static int rule_set(void *ctx, uint32_t slot, const struct vflag_flow_key *k,
		    const struct vflag_flow_act *a)
{
	struct fake_flow *f = ctx;
	struct vflag_flow_key chk;

	f->calls++;
	if (f->fail_rule_set) {
		int r = f->fail_rule_set;

		f->fail_rule_set = 0;
		return r;
	}
	if (!f->mask_used[slot])
		return -ENOENT;
	/* A table holds only keys masked with its own mask. */
	vflag_flow_mask(k, &f->mask[slot], &chk);
	if (memcmp(&chk, k, sizeof(chk)))
		f->violations++;
	for (unsigned i = 0; i < f->n[slot]; i++)
		if (!memcmp(&f->tab[slot][i].key, k, sizeof(*k))) {
			f->tab[slot][i].act = *a;
			return 0;
		}
	if (f->n[slot] == FAKE_FLOW_MAX)
		return -E2BIG;
	f->tab[slot][f->n[slot]++] = (struct fake_flow_entry){*k, *a};
	return 0;
}

static void rule_del(void *ctx, uint32_t slot, const struct vflag_flow_key *k)
{
	struct fake_flow *f = ctx;

	f->calls++;
	for (unsigned i = 0; i < f->n[slot]; i++)
		if (!memcmp(&f->tab[slot][i].key, k, sizeof(*k))) {
			f->tab[slot][i] = f->tab[slot][--f->n[slot]];
			return;
		}
}

static int stats_read(void *ctx, uint32_t id, struct vflag_flow_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->packets = id; /* recognisable */
	return 0;
}

static int stats_clear(void *ctx, uint32_t id)
{
	return 0;
}

static int read_back(void *ctx,
		     void (*fn)(void *arg, uint32_t slot,
				const struct vflag_flow_key *mask,
				const struct vflag_flow_key *key,
				const struct vflag_flow_act *act),
		     void *arg)
{
	struct fake_flow *f = ctx;

	for (uint32_t i = 0; i < f->list.count; i++) {
		uint32_t s = f->list.slot[i];

		for (unsigned j = 0; j < f->n[s]; j++)
			fn(arg, s, &f->mask[s], &f->tab[s][j].key,
			   &f->tab[s][j].act);
	}
	return 0;
}

const struct flow_table_ops fake_flow_ops = {
    .mask_add = mask_add,
    .mask_del = mask_del,
    .list_set = list_set,
    .rule_set = rule_set,
    .rule_del = rule_del,
    .stats_read = stats_read,
    .stats_clear = stats_clear,
    .read_back = read_back,
};

const struct vflag_flow_act *fake_flow_lookup(const struct fake_flow *f,
					      const struct vflag_flow_key *k)
{
	const struct vflag_flow_act *best = NULL;
	uint32_t best_prio = ~0u;

	for (uint32_t i = 0; i < f->list.count; i++) {
		uint32_t s = f->list.slot[i];
		struct vflag_flow_key m;

		if (f->list.best_prio[i] >= best_prio)
			break;
		vflag_flow_mask(k, &f->mask[s], &m);
		for (unsigned j = 0; j < f->n[s]; j++)
			if (!memcmp(&f->tab[s][j].key, &m, sizeof(m)) &&
			    f->tab[s][j].act.prio < best_prio) {
				best = &f->tab[s][j].act;
				best_prio = best->prio;
			}
	}
	return best;
}

unsigned fake_flow_entries(const struct fake_flow *f)
{
	unsigned n = 0;

	for (int s = 0; s < VFLAG_FLOW_MAX_MASKS; s++)
		n += f->n[s];
	return n;
}

void fake_flow_free(struct fake_flow *f)
{
	for (int s = 0; s < VFLAG_FLOW_MAX_MASKS; s++)
		free(f->tab[s]);
	memset(f, 0, sizeof(*f));
}

static int resolve(void *ctx, const char *name, struct flow_port *p, char *err,
		   size_t errlen)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->offload_ok = !fake_offload_off;
	if (fake_offload_off)
		snprintf(p->why, sizeof(p->why), "hw-tc-offload off on PF pf0");
	if (sscanf(name, "vf%u", &i) == 1 && i < 4) {
		p->in_port = fake_port_base + i;
		p->out_ifindex = 100 + i;
		p->out_port_id = fake_port_base + i;
		return 0;
	}
	if (!strcmp(name, "bond0")) {
		p->in_port = VFLAG_FLOW_OUT_LAG | 3;
		p->out_ifindex = VFLAG_FLOW_OUT_LAG | 3;
		return 0;
	}
	if (!strcmp(name, "pf1")) {
		p->in_port = 2;
		p->out_ifindex = 200;
		p->out_port_id = 2;
		p->offload_ok = false;
		snprintf(p->why, sizeof(p->why), "hw-tc-offload off on PF pf1");
		return 0;
	}
	if (errlen)
		snprintf(err, errlen, "unknown port %s", name);
	return -ENODEV;
}

static int name_of_in_port(void *ctx, uint32_t in_port, char name[16])
{
	if (in_port >= 10 && in_port < 14) {
		snprintf(name, 16, "vf%u", in_port - 10);
		return 0;
	}
	if (in_port == (VFLAG_FLOW_OUT_LAG | 3)) {
		snprintf(name, 16, "bond0");
		return 0;
	}
	return -ENOENT;
}

static int name_of_out(void *ctx, uint32_t out, char name[16])
{
	if (out >= 100 && out < 104) {
		snprintf(name, 16, "vf%u", out - 100);
		return 0;
	}
	if (out == (VFLAG_FLOW_OUT_LAG | 3)) {
		snprintf(name, 16, "bond0");
		return 0;
	}
	return -ENOENT;
}

struct flow_resolver fake_flow_resolver = {
    .resolve = resolve,
    .name_of_in_port = name_of_in_port,
    .name_of_out = name_of_out,
};
