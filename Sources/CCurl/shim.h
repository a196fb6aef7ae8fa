#ifndef SIMWATCH_CCURL_SHIM_H
#define SIMWATCH_CCURL_SHIM_H
#include <curl/curl.h>
#endif
