#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The DCCP conformance suite against the C DCCP (dccp_drill.sh, which
# runs it against dccp_rust before dccp.sh; this runs after it).

RNET_DCCP_STACK=c exec sh "$(dirname "$0")/dccp_drill.sh"
