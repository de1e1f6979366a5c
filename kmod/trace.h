/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sabuf's tracepoints: tracefs events/sabuf/ (perf's sabuf:*, bpftrace's
 * tracepoint:sabuf:*). This file owns the event definitions and the
 * values of their kind/how fields; trace.c instantiates them
 * (CREATE_TRACE_POINTS), waitwake.c, waitset.c and robust.c fire them.
 * man/man4/sabuf.4, "TRACEPOINTS", documents them for users.
 *
 *   sabuf_wait_start    a wait begins (checked, before its first look at the word)
 *   sabuf_wait_end      a blocking wait returns: its result, how long it took,
 *                       and for a notified one who woke it and how long ago
 *   sabuf_notify        a notify is done: how many it was asked for, how many it woke
 *   sabuf_owner_death   a robust owner id dies (its thread ended or exec'd)
 *   sabuf_async_settle  an asynchronous wait settles (or is cancelled)
 *
 * Every field is an integer (no __string(): its __assign_str() changed in
 * 6.10), so this one file builds on every kernel compat.h names. A
 * disabled event costs its static branch, nothing else: the callers
 * measure durations only under trace_*_enabled(). Every event may fire
 * with preemption off (sabuf_owner_death does, from the scheduler's
 * tracepoints) and never sleeps.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sabuf

#if !defined(SABUF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define SABUF_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

/* sabuf_wait_start/_end's kind: the ABI of the field (perf, bpftrace scripts). */
#define SABUF_TRACE_KIND_WAIT		0	/* SABUF_IOC_WAIT, NOTIFY_WAIT's wait */
#define SABUF_TRACE_KIND_ANY		1	/* SABUF_IOC_WAIT_ANY */
#define SABUF_TRACE_KIND_ASYNC		2	/* SABUF_IOC_WAITSET_ADD */
#define SABUF_TRACE_KIND_ROBUST		3	/* SABUF_IOC_WAIT with SABUF_WAIT_ROBUST */

/* sabuf_owner_death's how. */
#define SABUF_TRACE_DEATH_EXIT		0	/* its thread ended (sched_process_exit) */
#define SABUF_TRACE_DEATH_EXEC		1	/* its thread exec'd (sched_process_exec) */
#define SABUF_TRACE_DEATH_UNLOAD	2	/* the module went while the thread lived */

#define sabuf_trace_kind_name(k)					\
	__print_symbolic(k, { SABUF_TRACE_KIND_WAIT, "wait" },		\
			 { SABUF_TRACE_KIND_ANY, "wait-any" },		\
			 { SABUF_TRACE_KIND_ASYNC, "async" },		\
			 { SABUF_TRACE_KIND_ROBUST, "robust" })

TRACE_EVENT(sabuf_wait_start,
	TP_PROTO(u64 id, u64 offset, u64 expected, u32 kind, u64 tag),
	TP_ARGS(id, offset, expected, kind, tag),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, offset)
		__field(u64, expected)
		__field(u64, tag)
		__field(u32, kind)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->offset = offset;
		__entry->expected = expected;
		__entry->tag = tag;
		__entry->kind = kind;
	),
	TP_printk("id=%llu offset=%llu expected=%llu kind=%s tag=%llu",
		  (unsigned long long)__entry->id, (unsigned long long)__entry->offset,
		  (unsigned long long)__entry->expected, sabuf_trace_kind_name(__entry->kind),
		  (unsigned long long)__entry->tag)
);

TRACE_EVENT(sabuf_wait_end,
	TP_PROTO(u64 id, u64 offset, u32 kind, int result, u64 duration_ns, int waker,
		 u64 wake_ns),
	TP_ARGS(id, offset, kind, result, duration_ns, waker, wake_ns),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, offset)
		__field(u64, duration_ns)
		__field(u64, wake_ns)
		__field(u32, kind)
		__field(int, result)
		__field(int, waker)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->offset = offset;
		__entry->duration_ns = duration_ns;
		__entry->wake_ns = wake_ns;
		__entry->kind = kind;
		__entry->result = result;
		__entry->waker = waker;
	),
	TP_printk("id=%llu offset=%llu kind=%s result=%d duration_ns=%llu waker=%d wake_ns=%llu",
		  (unsigned long long)__entry->id, (unsigned long long)__entry->offset,
		  sabuf_trace_kind_name(__entry->kind), __entry->result,
		  (unsigned long long)__entry->duration_ns, __entry->waker,
		  (unsigned long long)__entry->wake_ns)
);

TRACE_EVENT(sabuf_notify,
	TP_PROTO(u64 id, u64 offset, u32 count, u32 woken),
	TP_ARGS(id, offset, count, woken),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, offset)
		__field(u32, count)
		__field(u32, woken)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->offset = offset;
		__entry->count = count;
		__entry->woken = woken;
	),
	TP_printk("id=%llu offset=%llu count=%u woken=%u",
		  (unsigned long long)__entry->id, (unsigned long long)__entry->offset,
		  __entry->count, __entry->woken)
);

TRACE_EVENT(sabuf_owner_death,
	TP_PROTO(u32 owner, int tid, int pid, u32 how),
	TP_ARGS(owner, tid, pid, how),
	TP_STRUCT__entry(
		__field(u32, owner)
		__field(int, tid)
		__field(int, pid)
		__field(u32, how)
	),
	TP_fast_assign(
		__entry->owner = owner;
		__entry->tid = tid;
		__entry->pid = pid;
		__entry->how = how;
	),
	TP_printk("owner=%u tid=%d pid=%d how=%s", __entry->owner, __entry->tid, __entry->pid,
		  __print_symbolic(__entry->how, { SABUF_TRACE_DEATH_EXIT, "exit" },
				   { SABUF_TRACE_DEATH_EXEC, "exec" },
				   { SABUF_TRACE_DEATH_UNLOAD, "unload" }))
);

TRACE_EVENT(sabuf_async_settle,
	TP_PROTO(u64 id, u64 offset, u64 tag, int result),
	TP_ARGS(id, offset, tag, result),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, offset)
		__field(u64, tag)
		__field(int, result)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->offset = offset;
		__entry->tag = tag;
		__entry->result = result;
	),
	TP_printk("id=%llu offset=%llu tag=%llu result=%d",
		  (unsigned long long)__entry->id, (unsigned long long)__entry->offset,
		  (unsigned long long)__entry->tag, __entry->result)
);

#endif /* SABUF_TRACE_H */

/* An out-of-tree module: define_trace.h finds us through -I$(src)/kmod (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
