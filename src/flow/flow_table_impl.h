/* Inside src/flow only: the table's structures, shared by flow_table.c
 * (rules in and out of the datapath) and flow_table_view.c (adoption and
 * what `flow show` reads). */
#ifndef VFLAG_FLOW_FLOW_TABLE_IMPL_H
#define VFLAG_FLOW_FLOW_TABLE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow_table.h"

#define FT_AUTO_PRIO 49152 /* tc's first automatic prio (0xc000) */
#define FT_MAX_DEVS 512

struct rule {
	struct flower_rule r;	     /* r.handle and r.prio always set */
	struct vflag_flow_key fmask; /* r.mask with in_port exact */
	struct vflag_flow_key mkey;  /* the key as the datapath holds it */
	struct flow_port out;	     /* the redirect target, resolved */
	uint32_t flags;		     /* VFLAG_FLOW_F_* */
	int slot;		     /* in_hw: its mask slot, else -1 */
	bool adopted; /* read back after a restart, not added again yet */
	char *reason; /* !in_hw */
	struct rule *next_key; /* in_hw: chain of the key hash */
	struct rule *dups;     /* in_hw: identical matches waiting */
	struct rule *dup_next;
	struct rule *dup_of;	/* waiting behind this one */
	struct rule *slot_next; /* in_hw rules of the slot */
	struct rule *slot_prev;
};

struct slot {
	bool used;
	struct vflag_flow_key mask;
	unsigned refs;	    /* in_hw rules */
	uint32_t best_prio; /* lowest prio among them */
	unsigned at_best;   /* how many have it */
	struct rule *head;
};

struct dev_prio {
	char name[FLOWER_NAME_MAX];
	uint32_t min_prio;
};

struct flow_table {
	const struct flow_table_ops *ops;
	void *ctx;
	struct flow_resolver res;
	struct rule **by_handle; /* VFLAG_FLOW_MAX_RULES, lazily touched */
	uint32_t handle_hint;	 /* no free handle below it */
	unsigned nrules;
	struct rule **keyhash; /* in_hw rules by (mkey, fmask) */
	size_t nbuckets;
	unsigned nkeys;
	struct slot slots[VFLAG_FLOW_MAX_MASKS];
	unsigned nslots;
	struct vflag_flow_mask_list list; /* as written */
	struct dev_prio devs[FT_MAX_DEVS];
	unsigned ndevs;
};

/* Indexes an in_hw rule by (mkey, fmask), growing the hash if need be. */
void ft_key_insert(struct flow_table *ft, struct rule *r);
/* Counts prio into the slot's best. */
void ft_slot_note(struct slot *sl, uint32_t prio);
/* Writes the mask list if it changed; `except`: a slot left out. */
int ft_list_sync(struct flow_table *ft, int except);
/* The automatic-prio record of a device (made on first use); NULL when
 * FT_MAX_DEVS are in use. */
struct dev_prio *ft_dev_of(struct flow_table *ft, const char *name);

#endif
