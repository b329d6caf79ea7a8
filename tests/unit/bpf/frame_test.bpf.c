/* A tc program that parses the frame it is given with
 * vflag_frame_parse() and stores the result in `result`, for
 * test_frame_bpf. BPF_PROG_TEST_RUN cannot put a tag in skb metadata, so
 * the metadata tag to assume comes from `accel` ({proto, tci}). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/vflag_frame.h"

struct frame_accel {
	__u32 proto;
	__u32 tci;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frame_accel);
} accel SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vflag_frame);
} result SEC(".maps");

SEC("tc")
int frame_test(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 key = 0;
	struct frame_accel *a = bpf_map_lookup_elem(&accel, &key);
	struct vflag_frame *out = bpf_map_lookup_elem(&result, &key);
	struct vflag_frame f;

	if (!a || !out)
		return -1;
	vflag_frame_parse(data, data_end, a->proto, a->tci, &f);
	__builtin_memcpy(out, &f, sizeof(f));
	return f.status;
}

char LICENSE[] SEC("license") = "GPL";
