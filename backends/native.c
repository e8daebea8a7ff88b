/* backends/native.c: which kernel backend this build talks to, chosen by
 * meson's -Dbackend (auto = netlink on Linux, pfroute on the BSDs/macOS). */
#include "backend.h"

#if defined(RTW_BACKEND_NETLINK)
const struct rtw_backend_ops *const rtw_backend_native = &rtw_backend_netlink;
#elif defined(RTW_BACKEND_PFROUTE)
const struct rtw_backend_ops *const rtw_backend_native = &rtw_backend_pfroute;
#else
const struct rtw_backend_ops *const rtw_backend_native = &rtw_backend_replay;
#endif
