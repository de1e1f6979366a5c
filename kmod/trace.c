// SPDX-License-Identifier: GPL-2.0
/*
 * The one instantiation of sabuf's tracepoints (trace.h has the events and
 * says who fires them). Nothing else lives here.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
