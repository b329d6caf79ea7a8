/* The offload table's model (flow_table.h). */
#include "flow/flow_table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/vflag_flow.h"
#include "flow/flow_table_impl.h"

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static uint64_t key_hash(const struct vflag_flow_key *k,
			 const struct vflag_flow_key *m)
{
	const uint64_t *a = (const uint64_t *)k, *b = (const uint64_t *)m;
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < VFLAG_FLOW_KEY_WORDS; i++) {
		h ^= a[i] + 0x9e3779b97f4a7c15ull * (i + 1);
		h *= 0xff51afd7ed558ccdull;
		h ^= b[i];
		h *= 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 29;
	}
	return h;
}

static struct rule **key_bucket(struct flow_table *ft, const struct rule *r)
{
	return &ft->keyhash[key_hash(&r->mkey, &r->fmask) & (ft->nbuckets - 1)];
}

static int key_grow(struct flow_table *ft)
{
	size_t n = ft->nbuckets ? ft->nbuckets * 2 : 1024;
	struct rule **nh = calloc(n, sizeof(*nh)), **old = ft->keyhash;
	size_t on = ft->nbuckets;

	if (!nh)
		return -ENOMEM;
	ft->keyhash = nh;
	ft->nbuckets = n;
	for (size_t i = 0; i < on; i++) {
		struct rule *r = old[i], *next;

		for (; r; r = next) {
			struct rule **b = key_bucket(ft, r);

			next = r->next_key;
			r->next_key = *b;
			*b = r;
		}
	}
	free(old);
	return 0;
}

static struct rule *key_find(struct flow_table *ft, const struct rule *q)
{
	if (!ft->nbuckets)
		return NULL;
	for (struct rule *r = *key_bucket(ft, q); r; r = r->next_key)
		if (!memcmp(&r->mkey, &q->mkey, sizeof(r->mkey)) &&
		    !memcmp(&r->fmask, &q->fmask, sizeof(r->fmask)))
			return r;
	return NULL;
}

void ft_key_insert(struct flow_table *ft, struct rule *r)
{
	struct rule **b;

	if (ft->nkeys >= ft->nbuckets)
		key_grow(ft);
	b = key_bucket(ft, r);
	r->next_key = *b;
	*b = r;
	ft->nkeys++;
}

static void key_remove(struct flow_table *ft, struct rule *q)
{
	for (struct rule **p = key_bucket(ft, q); *p; p = &(*p)->next_key)
		if (*p == q) {
			*p = q->next_key;
			ft->nkeys--;
			return;
		}
}

struct flow_table *flow_table_create(const struct flow_table_ops *ops,
				     void *ctx, const struct flow_resolver *res)
{
	struct flow_table *ft = calloc(1, sizeof(*ft));

	if (!ft)
		return NULL;
	ft->by_handle = calloc(VFLAG_FLOW_MAX_RULES, sizeof(*ft->by_handle));
	if (!ft->by_handle || key_grow(ft)) {
		free(ft->by_handle);
		free(ft);
		return NULL;
	}
	ft->ops = ops;
	ft->ctx = ctx;
	ft->res = *res;
	ft->handle_hint = 1;
	return ft;
}

static void rule_free(struct rule *r)
{
	free(r->reason);
	free(r);
}

void flow_table_destroy(struct flow_table *ft)
{
	if (!ft)
		return;
	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES && ft->nrules; h++)
		if (ft->by_handle[h]) {
			rule_free(ft->by_handle[h]);
			ft->nrules--;
		}
	free(ft->by_handle);
	free(ft->keyhash);
	free(ft);
}

/* --- the mask list --- */

static int slot_cmp_prio(const void *a, const void *b,
			 const struct flow_table *ft)
{
	const uint32_t sa = *(const uint32_t *)a, sb = *(const uint32_t *)b;
	uint32_t pa = ft->slots[sa].best_prio, pb = ft->slots[sb].best_prio;

	return pa != pb ? (pa < pb ? -1 : 1) : (sa < sb ? -1 : sa > sb);
}

/* Writes the list (used slots by best prio) if it changed. `except`:
 * a slot to leave out although used (it is going). */
int ft_list_sync(struct flow_table *ft, int except)
{
	struct vflag_flow_mask_list l = {0};

	for (uint32_t s = 0; s < VFLAG_FLOW_MAX_MASKS; s++) {
		if (!ft->slots[s].used || (int)s == except)
			continue;
		/* Insertion sort: at most 32. */
		uint32_t i = l.count++;

		while (i > 0 && slot_cmp_prio(&l.slot[i - 1], &s, ft) > 0) {
			l.slot[i] = l.slot[i - 1];
			i--;
		}
		l.slot[i] = s;
	}
	for (uint32_t i = 0; i < l.count; i++)
		l.best_prio[i] = ft->slots[l.slot[i]].best_prio;
	if (!memcmp(&l, &ft->list, sizeof(l)))
		return 0;
	if (ft->ops->list_set(ft->ctx, &l))
		return -EIO;
	ft->list = l;
	return 0;
}

void ft_slot_note(struct slot *sl, uint32_t prio)
{
	if (prio < sl->best_prio) {
		sl->best_prio = prio;
		sl->at_best = 1;
	} else if (prio == sl->best_prio) {
		sl->at_best++;
	}
}

static int slot_find(struct flow_table *ft, const struct vflag_flow_key *m)
{
	for (int s = 0; s < VFLAG_FLOW_MAX_MASKS; s++)
		if (ft->slots[s].used &&
		    !memcmp(&ft->slots[s].mask, m, sizeof(*m)))
			return s;
	return -1;
}

/* Recounts the slot's best prio: O(n) in its rules, only when the last
 * rule of the best prio went. */
static void slot_best(struct slot *sl)
{
	sl->best_prio = ~0u;
	sl->at_best = 0;
	for (struct rule *r = sl->head; r; r = r->slot_next)
		ft_slot_note(sl, r->r.prio);
}

/* --- in and out of the datapath --- */

static void set_reason(struct rule *r, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->reason);
	r->reason = strdup(buf);
}

static struct vflag_flow_act act_of(const struct rule *r)
{
	struct vflag_flow_act a = {
	    .rule_id = r->r.handle,
	    .prio = r->r.prio,
	    .actions = r->r.actions,
	    .vlan_id = r->r.vlan_id,
	    .vlan_proto = r->r.vlan_proto,
	    .vlan_prio = r->r.vlan_prio,
	    .flags = r->flags,
	};

	if (r->r.actions & VFLAG_FLOW_ACT_REDIRECT) {
		a.out_ifindex = r->out.out_ifindex;
		a.out_port_id = r->out.out_port_id;
	}
	return a;
}

/* Puts r in the eswitch if it can go; else says why (r->reason). */
static void try_offload(struct flow_table *ft, struct rule *r)
{
	struct flow_port in = {0};
	struct vflag_flow_act act;
	struct rule *same;
	char err[96];
	int s, fresh = 0, ret;

	if (r->r.chain) {
		set_reason(r, "chain %u: no goto chain is offloaded",
			   r->r.chain);
		return;
	}
	if (ft->res.resolve(ft->res.ctx, r->r.dev, &in, err, sizeof(err))) {
		set_reason(r, "%s", err);
		return;
	}
	if (!in.offload_ok) {
		set_reason(r, "%s", in.why);
		return;
	}
	if (r->r.actions & VFLAG_FLOW_ACT_REDIRECT) {
		if (ft->res.resolve(ft->res.ctx, r->r.out_dev, &r->out, err,
				    sizeof(err))) {
			set_reason(r, "%s", err);
			return;
		}
	}
	r->fmask = r->r.mask;
	r->fmask.in_port = 0xffffffffu;
	r->r.key.in_port = in.in_port;
	vflag_flow_mask(&r->r.key, &r->fmask, &r->mkey);
	r->r.key.in_port = 0;
	same = key_find(ft, r);
	if (same) {
		set_reason(r, "an identical match exists (handle %u, prio %u)",
			   same->r.handle, same->r.prio);
		r->dup_of = same;
		r->dup_next = same->dups;
		same->dups = r;
		return;
	}
	s = slot_find(ft, &r->fmask);
	if (s < 0) {
		for (s = 0; s < VFLAG_FLOW_MAX_MASKS && ft->slots[s].used; s++)
			;
		if (s == VFLAG_FLOW_MAX_MASKS) {
			set_reason(r, "more than %d masks in use",
				   VFLAG_FLOW_MAX_MASKS);
			return;
		}
		ret = ft->ops->mask_add(ft->ctx, (uint32_t)s, &r->fmask);
		if (ret) {
			set_reason(r, "the datapath refused a new mask: %s",
				   strerror(-ret));
			return;
		}
		ft->slots[s] = (struct slot){
		    .used = true, .mask = r->fmask, .best_prio = ~0u};
		ft->nslots++;
		fresh = 1;
	}
	act = act_of(r);
	ret = ft->ops->rule_set(ft->ctx, (uint32_t)s, &r->mkey, &act);
	if (ret) {
		if (fresh) {
			ft->ops->mask_del(ft->ctx, (uint32_t)s);
			ft->slots[s].used = false;
			ft->nslots--;
		}
		set_reason(r, "the datapath refused it: %s", strerror(-ret));
		return;
	}
	ft_key_insert(ft, r);
	r->slot = s;
	ft->slots[s].refs++;
	r->slot_next = ft->slots[s].head;
	r->slot_prev = NULL;
	if (r->slot_next)
		r->slot_next->slot_prev = r;
	ft->slots[s].head = r;
	ft_slot_note(&ft->slots[s], r->r.prio);
	free(r->reason);
	r->reason = NULL;
	ft_list_sync(ft, -1);
}

static void unlink_dup(struct rule *r)
{
	struct rule **p;

	if (!r->dup_of)
		return;
	for (p = &r->dup_of->dups; *p; p = &(*p)->dup_next)
		if (*p == r) {
			*p = r->dup_next;
			break;
		}
	r->dup_of = NULL;
	r->dup_next = NULL;
}

/* Takes r out of the eswitch (in the contract's order), then gives its
 * identical matches their chance. */
static void unoffload(struct flow_table *ft, struct rule *r)
{
	struct slot *sl;
	struct rule *d, *next;

	unlink_dup(r);
	if (r->slot < 0)
		return;
	sl = &ft->slots[r->slot];
	if (r->slot_prev)
		r->slot_prev->slot_next = r->slot_next;
	else
		sl->head = r->slot_next;
	if (r->slot_next)
		r->slot_next->slot_prev = r->slot_prev;
	key_remove(ft, r);
	if (--sl->refs == 0) {
		/* Unlisted before its table goes. */
		ft_list_sync(ft, r->slot);
		ft->ops->rule_del(ft->ctx, (uint32_t)r->slot, &r->mkey);
		ft->ops->mask_del(ft->ctx, (uint32_t)r->slot);
		sl->used = false;
		ft->nslots--;
	} else {
		ft->ops->rule_del(ft->ctx, (uint32_t)r->slot, &r->mkey);
		if (r->r.prio == sl->best_prio && --sl->at_best == 0)
			slot_best(sl);
		ft_list_sync(ft, -1);
	}
	/* Cleared as the rule leaves, not as the next one comes: an insert
	 * is then one map update. */
	ft->ops->stats_clear(ft->ctx, r->r.handle);
	r->slot = -1;
	d = r->dups;
	r->dups = NULL;
	for (; d; d = next) {
		next = d->dup_next;
		d->dup_of = NULL;
		d->dup_next = NULL;
		try_offload(ft, d);
	}
}

/* --- rules --- */

struct dev_prio *ft_dev_of(struct flow_table *ft, const char *name)
{
	for (unsigned i = 0; i < ft->ndevs; i++)
		if (!strcmp(ft->devs[i].name, name))
			return &ft->devs[i];
	if (ft->ndevs == FT_MAX_DEVS)
		return NULL;
	snprintf(ft->devs[ft->ndevs].name, FLOWER_NAME_MAX, "%s", name);
	ft->devs[ft->ndevs].min_prio = 0;
	return &ft->devs[ft->ndevs++];
}

static bool same_actions(const struct flower_rule *a,
			 const struct flower_rule *b)
{
	return a->actions == b->actions &&
	       (!(a->actions & VFLAG_FLOW_ACT_VLAN_PUSH) ||
		(a->vlan_id == b->vlan_id && a->vlan_proto == b->vlan_proto &&
		 a->vlan_prio == b->vlan_prio)) &&
	       (!(a->actions & VFLAG_FLOW_ACT_REDIRECT) ||
		!strcmp(a->out_dev, b->out_dev));
}

int flow_table_add_flags(struct flow_table *ft, const struct flower_rule *fr,
			 uint32_t flags, char *err, size_t errlen)
{
	struct flow_port p, in;
	struct dev_prio *dp;
	struct rule *r;
	uint32_t h = fr->handle;
	int ret;

	ret = ft->res.resolve(ft->res.ctx, fr->dev, &in, err, errlen);
	if (ret)
		return ret;
	if (fr->actions & VFLAG_FLOW_ACT_REDIRECT) {
		ret =
		    ft->res.resolve(ft->res.ctx, fr->out_dev, &p, err, errlen);
		if (ret)
			return ret;
	}
	if (h >= VFLAG_FLOW_MAX_RULES)
		return fail(err, errlen, -ERANGE, "handle %u: at most %u", h,
			    VFLAG_FLOW_MAX_RULES - 1);
	if (h && ft->by_handle[h])
		return fail(err, errlen, -EEXIST,
			    "handle %u is taken (dev %s prio %u)", h,
			    ft->by_handle[h]->r.dev, ft->by_handle[h]->r.prio);
	if (!h) {
		h = ft->handle_hint;
		while (h < VFLAG_FLOW_MAX_RULES && ft->by_handle[h])
			h++;
		if (h >= VFLAG_FLOW_MAX_RULES)
			return fail(err, errlen, -ENOSPC,
				    "the table is full (%u rules)",
				    VFLAG_FLOW_MAX_RULES - 1);
		ft->handle_hint = h + 1;
	}
	dp = ft_dev_of(ft, fr->dev);
	if (!dp)
		return fail(err, errlen, -ENOSPC, "too many devices");
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(err, errlen, -ENOMEM, "out of memory");
	r->r = *fr;
	r->r.handle = h;
	r->flags = flags;
	r->slot = -1;
	if (r->r.prio == FLOWER_PRIO_UNSET)
		r->r.prio = dp->min_prio > 1 ? dp->min_prio - 1
			    : dp->min_prio   ? 1
					     : FT_AUTO_PRIO;
	/* tc refuses a second filter of the same prio and match. */
	{
		struct rule q = *r, *same;

		q.fmask = q.r.mask;
		q.fmask.in_port = 0xffffffffu;
		q.r.key.in_port = in.in_port;
		vflag_flow_mask(&q.r.key, &q.fmask, &q.mkey);
		same = key_find(ft, &q);
		/* A config replayed over what a restarted vflagd adopted:
		 * the same line finds its rule there (no duplicate). */
		if (same && same->adopted && !r->r.chain &&
		    (fr->prio == FLOWER_PRIO_UNSET ||
		     fr->prio == same->r.prio) &&
		    (!fr->handle || fr->handle == same->r.handle) &&
		    same_actions(&same->r, fr)) {
			same->adopted = false;
			free(r);
			if (h < ft->handle_hint)
				ft->handle_hint = h;
			return (int)same->r.handle;
		}
		for (struct rule *d = same; d && !r->r.chain;
		     d = d == same ? same->dups : d->dup_next)
			if (d->r.prio == r->r.prio) {
				free(r);
				if (h < ft->handle_hint)
					ft->handle_hint = h;
				return fail(err, errlen, -EEXIST,
					    "dev %s prio %u: this match exists "
					    "(handle %u)",
					    fr->dev, d->r.prio, d->r.handle);
			}
	}
	if (!dp->min_prio || r->r.prio < dp->min_prio)
		dp->min_prio = r->r.prio;
	ft->by_handle[h] = r;
	ft->nrules++;
	try_offload(ft, r);
	return (int)h;
}

int flow_table_add(struct flow_table *ft, const struct flower_rule *r,
		   char *err, size_t errlen)
{
	return flow_table_add_flags(ft, r, 0, err, errlen);
}

static void rule_remove(struct flow_table *ft, struct rule *r)
{
	unoffload(ft, r);
	ft->by_handle[r->r.handle] = NULL;
	if (r->r.handle < ft->handle_hint)
		ft->handle_hint = r->r.handle;
	ft->nrules--;
	rule_free(r);
}

int flow_table_del(struct flow_table *ft, const char *dev, uint32_t prio,
		   uint32_t handle, char *err, size_t errlen)
{
	int n = 0;

	if (handle) {
		struct rule *r = handle < VFLAG_FLOW_MAX_RULES
				     ? ft->by_handle[handle]
				     : NULL;

		if (!r || strcmp(r->r.dev, dev) || (prio && r->r.prio != prio))
			return fail(err, errlen, -ENOENT,
				    "dev %s: no rule of handle %u%s", dev,
				    handle, prio ? " at that prio" : "");
		rule_remove(ft, r);
		return 1;
	}
	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES && ft->nrules; h++) {
		struct rule *r = ft->by_handle[h];

		if (r && !strcmp(r->r.dev, dev) &&
		    (!prio || r->r.prio == prio)) {
			rule_remove(ft, r);
			n++;
		}
	}
	if (!n)
		return fail(err, errlen, -ENOENT, "dev %s: no rule%s%.0u", dev,
			    prio ? " of prio " : "", prio);
	return n;
}

void flow_table_flush(struct flow_table *ft)
{
	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES && ft->nrules; h++)
		if (ft->by_handle[h])
			rule_remove(ft, ft->by_handle[h]);
}

/* Whether an in_hw rule still resolves to what the datapath holds;
 * else why not in *why (empty: it resolves elsewhere now). */
static bool still_valid(struct flow_table *ft, struct rule *r, char *why,
			size_t len)
{
	struct flow_port in, out;

	why[0] = 0;
	if (ft->res.resolve(ft->res.ctx, r->r.dev, &in, why, len))
		return false;
	if (!in.offload_ok) {
		snprintf(why, len, "%s", in.why);
		return false;
	}
	if (in.in_port != r->mkey.in_port)
		return false;
	if (!(r->r.actions & VFLAG_FLOW_ACT_REDIRECT))
		return true;
	if (ft->res.resolve(ft->res.ctx, r->r.out_dev, &out, why, len))
		return false;
	return out.out_ifindex == r->out.out_ifindex &&
	       out.out_port_id == r->out.out_port_id;
}

void flow_table_reoffload(struct flow_table *ft)
{
	char why[160];

	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES; h++) {
		struct rule *r = ft->by_handle[h];

		if (!r || r->slot < 0 || still_valid(ft, r, why, sizeof(why)))
			continue;
		unoffload(ft, r);
		if (why[0])
			set_reason(r, "%s", why);
		else
			try_offload(ft, r); /* the same names, new ports */
	}
	for (uint32_t h = 1; h < VFLAG_FLOW_MAX_RULES; h++) {
		struct rule *r = ft->by_handle[h];

		if (r && r->slot < 0 && !r->dup_of)
			try_offload(ft, r);
	}
}
