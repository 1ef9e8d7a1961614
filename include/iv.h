/**
 * @file iv.h
 * @brief libiv: Interaction Value, Relationship Value, CX metrics, lifecycle and CLV,
 *        digital maturity and pattern comparison over a log of interactions.
 *
 * The one header to include. Each module has its own header under iv/.
 */
#ifndef IV_H
#define IV_H

#include "iv/common.h"
#include "iv/version.h"
#include "iv/store.h"
#include "iv/source.h"
#include "iv/ingest.h"
#include "iv/model.h"
#include "iv/query.h"
#include "iv/maturity.h"
#include "iv/table.h"
#include "iv/stats.h"
#include "iv/pattern.h"
#include "iv/clv.h"
#include "iv/lifecycle.h"
#include "iv/summary.h"

#endif
