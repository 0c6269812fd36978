# The page-cache addon (native/page_cache.c), built by `npm ci` through scripts/build-native.mjs.
{
  "targets": [
    {
      "target_name": "page_cache",
      "sources": ["native/page_cache.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
