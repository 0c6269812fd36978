// Brook's native functions, for what Node.js has no call for: telling the kernel that a range of a
// log file will not be read soon (posix_fadvise POSIX_FADV_DONTNEED), so the page cache lets go of
// log bytes already on disk (src/storage/page-cache.ts); and handing the memory the C allocator
// holds freed back to the kernel (malloc_trim, glibc only; src/common/freed-memory.ts).
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// dropCachedRange(fd, offset, length): 0, or the errno posix_fadvise gave back. Throws a
// TypeError for arguments that are not non-negative integers.
static napi_value DropCachedRange(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  int64_t offset = -1;
  int64_t length = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok || fd < 0 || offset < 0 || length < 0) {
    napi_throw_type_error(env, NULL, "dropCachedRange(fd, offset, length) takes three non-negative integers");
    return NULL;
  }
  int rc = 0;
  // A length of 0 would mean "to the end of the file" to posix_fadvise: here it means nothing.
  if (length > 0) {
#ifdef POSIX_FADV_DONTNEED
    rc = posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
#else
    rc = ENOSYS;
#endif
  }
  napi_value result;
  napi_create_int32(env, rc, &result);
  return result;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int rc;
} ReleaseWork;

// On a libuv worker thread: malloc_trim walks every arena's free lists and gives their whole free
// pages back (madvise), which takes milliseconds with a few hundred MB and must not stop the event loop.
static void ReleaseExecute(napi_env env, void* data) {
  (void)env;
  ReleaseWork* work = (ReleaseWork*)data;
  work->rc = -1;
#if defined(__GLIBC__)
  work->rc = malloc_trim(0);
#endif
}

static void ReleaseComplete(napi_env env, napi_status status, void* data) {
  ReleaseWork* work = (ReleaseWork*)data;
  napi_value result;
  napi_create_int32(env, status == napi_ok ? work->rc : -1, &result);
  napi_resolve_deferred(env, work->deferred, result);
  napi_delete_async_work(env, work->work);
  free(work);
}

// releaseFreedMemory(): a promise of 1 when the allocator gave memory back to the kernel, 0 when it
// had none to give, -1 where there is no malloc_trim (not glibc).
static napi_value ReleaseFreedMemory(napi_env env, napi_callback_info info) {
  (void)info;
  ReleaseWork* work = (ReleaseWork*)calloc(1, sizeof(ReleaseWork));
  napi_value promise;
  napi_value name;
  if (work == NULL) {
    napi_throw_error(env, NULL, "releaseFreedMemory: out of memory");
    return NULL;
  }
  if (napi_create_promise(env, &work->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "brook.releaseFreedMemory", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, ReleaseExecute, ReleaseComplete, work, &work->work) != napi_ok) {
    free(work);
    napi_throw_error(env, NULL, "releaseFreedMemory: could not start");
    return NULL;
  }
  if (napi_queue_async_work(env, work->work) != napi_ok) {
    napi_delete_async_work(env, work->work);
    free(work);
    napi_throw_error(env, NULL, "releaseFreedMemory: could not queue");
    return NULL;
  }
  return promise;
}

static int export_function(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!export_function(env, exports, "dropCachedRange", DropCachedRange)) return NULL;
  if (!export_function(env, exports, "releaseFreedMemory", ReleaseFreedMemory)) return NULL;
  return exports;
}
