/* The offload table read back: adoption from the datapath after a
 * restart, and the entries `flow show` prints (flow_table.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_table_impl.h"

/* --- adoption --- */

static void adopt_one(void *arg, uint32_t slot,
		      const struct vflag_flow_key *mask,
		      const struct vflag_flow_key *key,
		      const struct vflag_flow_act *act)
{
	struct flow_table *ft = arg;
	struct rule *r;
	struct slot *sl;

	if (slot >= VFLAG_FLOW_MAX_MASKS || !act->rule_id ||
	    act->rule_id >= VFLAG_FLOW_MAX_RULES || ft->by_handle[act->rule_id])
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	sl = &ft->slots[slot];
	if (!sl->used) {
		*sl = (struct slot){
		    .used = true, .mask = *mask, .best_prio = ~0u};
		ft->nslots++;
	}
	r->fmask = *mask;
	r->mkey = *key;
	r->r.key = *key;
	r->r.key.in_port = 0;
	r->r.mask = *mask;
	r->r.mask.in_port = 0;
	r->r.handle = act->rule_id;
	r->r.prio = act->prio;
	r->r.actions = act->actions;
	r->r.vlan_id = act->vlan_id;
	r->r.vlan_proto = act->vlan_proto;
	r->r.vlan_prio = act->vlan_prio;
	r->flags = act->flags;
	r->out.out_ifindex = act->out_ifindex;
	r->out.out_port_id = act->out_port_id;
	if (!ft->res.name_of_in_port ||
	    ft->res.name_of_in_port(ft->res.ctx, key->in_port, r->r.dev))
		snprintf(r->r.dev, FLOWER_NAME_MAX, "in_port%u", key->in_port);
	if ((act->actions & VFLAG_FLOW_ACT_REDIRECT) &&
	    (!ft->res.name_of_out ||
	     ft->res.name_of_out(ft->res.ctx, act->out_ifindex, r->r.out_dev)))
		snprintf(r->r.out_dev, FLOWER_NAME_MAX, "if%u",
			 act->out_ifindex);
	r->slot = (int)slot;
	r->adopted = true;
	ft->by_handle[r->r.handle] = r;
	ft->nrules++;
	ft_key_insert(ft, r);
	sl->refs++;
	r->slot_next = sl->head;
	if (sl->head)
		sl->head->slot_prev = r;
	sl->head = r;
	ft_slot_note(sl, r->r.prio);
	{
		struct dev_prio *d = ft_dev_of(ft, r->r.dev);

		if (d && (!d->min_prio || r->r.prio < d->min_prio))
			d->min_prio = r->r.prio;
	}
}

int flow_table_adopt(struct flow_table *ft)
{
	unsigned before = ft->nrules;
	int ret;

	if (!ft->ops->read_back)
		return 0;
	ret = ft->ops->read_back(ft->ctx, adopt_one, ft);
	if (ret)
		return ret;
	/* The model's list: what the datapath had, re-sorted if need be. */
	ft->list.count = ~0u;
	ft_list_sync(ft, -1);
	return (int)(ft->nrules - before);
}

/* --- show --- */

static void entry_of(const struct rule *r, struct flow_table_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->rule = r->r;
	e->in_hw = r->slot >= 0;
	snprintf(e->reason, sizeof(e->reason), "%s",
		 r->reason ? r->reason : "");
	e->from_bridge = r->flags & VFLAG_FLOW_F_BRIDGE;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a,
			  *y = *(struct rule *const *)b;
	int c = strcmp(x->r.dev, y->r.dev);

	if (c)
		return c;
	if (x->r.prio != y->r.prio)
		return x->r.prio < y->r.prio ? -1 : 1;
	return x->r.handle < y->r.handle ? -1 : x->r.handle > y->r.handle;
}

int flow_table_walk_first(
    struct flow_table *ft, const char *dev, unsigned max, bool with_stats,
    void (*fn)(void *arg, const struct flow_table_entry *e), void *arg)
{
	struct rule **v = malloc((ft->nrules + 1) * sizeof(*v));
	unsigned n = 0, seen = 0;
	struct flow_table_entry *e = malloc(sizeof(*e));

	if (!v || !e) {
		free(v);
		free(e);
		return -ENOMEM;
	}
	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES && seen < ft->nrules;
	     h++) {
		struct rule *r = ft->by_handle[h];

		if (!r)
			continue;
		seen++;
		if (!dev || !strcmp(dev, r->r.dev))
			v[n++] = r;
	}
	qsort(v, n, sizeof(*v), rule_cmp);
	for (unsigned i = 0; i < n && i < max; i++) {
		entry_of(v[i], e);
		if (with_stats && e->in_hw)
			ft->ops->stats_read(ft->ctx, v[i]->r.handle, &e->stats);
		fn(arg, e);
	}
	free(v);
	free(e);
	return (int)n;
}

int flow_table_get(struct flow_table *ft, uint32_t handle,
		   struct flow_table_entry *e)
{
	if (!handle || handle >= VFLAG_FLOW_MAX_RULES || !ft->by_handle[handle])
		return -ENOENT;
	entry_of(ft->by_handle[handle], e);
	return 0;
}

int flow_table_walk(struct flow_table *ft, const char *dev, bool with_stats,
		    void (*fn)(void *arg, const struct flow_table_entry *e),
		    void *arg)
{
	return flow_table_walk_first(ft, dev, ~0u, with_stats, fn, arg);
}

int flow_table_stats(struct flow_table *ft, uint32_t handle,
		     struct vflag_flow_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!handle || handle >= VFLAG_FLOW_MAX_RULES || !ft->by_handle[handle])
		return -ENOENT;
	return ft->ops->stats_read(ft->ctx, handle, st);
}

unsigned flow_table_rules(const struct flow_table *ft)
{
	return ft->nrules;
}

unsigned flow_table_masks(const struct flow_table *ft)
{
	return ft->nslots;
}

void flow_table_mask_list(const struct flow_table *ft,
			  struct vflag_flow_mask_list *out)
{
	*out = ft->list;
}
