// Brook's one native function: telling the kernel that a range of a log file will not be read soon
// (posix_fadvise POSIX_FADV_DONTNEED), so the page cache lets go of log bytes already on disk.
// Node's fs module has no fadvise. See src/storage/page-cache.ts for why and when Brook calls it.
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>

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

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "dropCachedRange", NAPI_AUTO_LENGTH, DropCachedRange, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "dropCachedRange", fn) != napi_ok) return NULL;
  return exports;
}
