// sab.cc: a real SharedArrayBuffer whose backing store is a /dev/sabuf
// mapping. Node-API has napi_create_external_arraybuffer, but nothing that
// makes a *shared* one, so this file talks to V8 directly (the headers of
// the Node in use: node.h and v8.h), and hands the result back to the
// Node-API code in addon.c.
//
// V8 keeps the backing store in a std::shared_ptr that every isolate holding
// the buffer shares (postMessage to a Worker shares it, it never copies), and
// calls our deleter once, after the last JavaScript object in any isolate is
// gone. The deleter unmaps the buffer (addon.c), so the mapping lives exactly
// as long as the SharedArrayBuffer.
//
// Handing a v8::Local to Node-API: a napi_value is, in every Node that has
// Node-API, the v8::Local's one pointer reinterpreted (js_native_api_v8.h
// converts them with memcpy both ways). We do the same, and check the sizes
// at compile time. The Local lives in the HandleScope Node-API opened for
// the call that is running, as napi_values do.
#include <cstring>
#include <memory>

#include <v8.h>

#include "sab.h"

static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value),
	      "a napi_value is a v8::Local<v8::Value>");

extern "C" napi_value sabuf_node_new_sab(napi_env env, void *data, size_t length,
					 sabuf_node_deleter deleter, void *ctx)
{
	v8::Isolate *isolate = v8::Isolate::GetCurrent();

	if (isolate == nullptr) {
		napi_throw_error(env, nullptr, "sabuf: no V8 isolate on this thread");
		return nullptr;
	}
	std::unique_ptr<v8::BackingStore> store =
		v8::SharedArrayBuffer::NewBackingStore(data, length, deleter, ctx);
	v8::Local<v8::Value> sab =
		v8::SharedArrayBuffer::New(isolate, std::shared_ptr<v8::BackingStore>(std::move(store)));
	napi_value result;
	std::memcpy(static_cast<void *>(&result), &sab, sizeof(result));
	return result;
}
