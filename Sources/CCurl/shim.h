#include <curl/curl.h>

// curl_easy_setopt is variadic, which Swift cannot call; these fix its argument type.
static inline CURLcode catalog_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode catalog_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode catalog_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*catalog_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode catalog_curl_setopt_read_function(CURL *handle, catalog_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
