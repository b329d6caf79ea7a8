/* A tc program returning vflag_xmit_hash() of the frame it is given, for
 * test_xmit_hash_bpf: the policy comes from the one-entry array
 * `policy_map`, so a single load (one pass of the verifier, over every
 * policy, as the eswitch's hash is checked) serves all vectors. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lag/xmit_hash.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} policy_map SEC(".maps");

SEC("tc")
int hash_test(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 key = 0, *policy = bpf_map_lookup_elem(&policy_map, &key);

	return (int)vflag_xmit_hash(data, data_end, policy ? *policy : 0);
}

char LICENSE[] SEC("license") = "GPL";
