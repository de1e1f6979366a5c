/* The one thing Node-API cannot do: a SharedArrayBuffer on memory we own. */
#ifndef SABUF_NODE_SAB_H
#define SABUF_NODE_SAB_H

#include <stddef.h>
#include <node_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called once, on any thread, when the last SharedArrayBuffer object of
 * every isolate (main thread and Workers) that shares this memory is gone. */
typedef void (*sabuf_node_deleter)(void *data, size_t length, void *ctx);

/* A SharedArrayBuffer of length bytes at data, in env's isolate; NULL (with
 * a pending exception) on failure, and then deleter has not been called. */
napi_value sabuf_node_new_sab(napi_env env, void *data, size_t length,
			      sabuf_node_deleter deleter, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
