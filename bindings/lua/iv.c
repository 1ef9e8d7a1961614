/* The Lua 5.4 module `iv`: libiv for Lua scripts (require "iv").
 *
 * Conventions (doc/BINDINGS.md):
 * - a failure of the library (bad data, unknown name, I/O) returns nil, message, code
 *   (code = the negative iv_status), like io.open; a wrong argument type raises error();
 * - handles (store, model, clv) are userdata with __gc and __close (use `local s <close>`)
 *   and a close() method; results are arrays of row tables keyed by column name, an
 *   undefined value is nil, times are ISO 8601 UTC strings; a single result (compare,
 *   clv parameters) is one row table; with `format = "csv" | "json" | "table"` in the
 *   options a query returns the library's text export instead.
 * - stores and models allocate through Lua's own allocator (the iv allocator hook has the
 *   lua_Alloc signature).
 *
 * The module uses the public API only and is not linked against liblua.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#include "iv.h"

#define STORE_MT "iv.store"
#define MODEL_MT "iv.model"
#define CLV_MT "iv.clv"
#define BOX_MT "iv.box"
#define SUMMARY_MT "iv.summary"

/* luaopen_iv must stay visible when the module is built with hidden visibility:
 * LUAMOD_API is plain extern. */
#if defined(__GNUC__)
#define IV_LUA_EXPORT __attribute__((visibility("default")))
#else
#define IV_LUA_EXPORT
#endif

IV_LUA_EXPORT int luaopen_iv(lua_State *L);

/* --- errors ------------------------------------------------------------------------ */

/* nil, message, code: the library's failure in Lua's convention. */
static int fail(lua_State *L, int rc)
{
    const char *msg = iv_error_last();
    lua_pushnil(L);
    lua_pushstring(L, msg && *msg ? msg : iv_strerror(rc));
    lua_pushinteger(L, rc);
    return 3;
}

/* iv.warnings(): the library's pending warnings of this thread (a where value no row
 * has, a funnel step or start type that never occurs in the selection) as an array of
 * strings, oldest first; they are cleared. */
static int l_warnings(lua_State *L)
{
    size_t i, n = iv_warning_count();
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, iv_warning_get(i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    iv_warning_clear();
    return 1;
}

/* --- transient boxes: a pointer freed by __gc if an error unwinds the stack --------- */

typedef struct box {
    void *p;
    void (*free_fn)(void *);
} box;

static int box_gc(lua_State *L)
{
    box *b = luaL_checkudata(L, 1, BOX_MT);
    if (b->p && b->free_fn)
        b->free_fn(b->p);
    b->p = NULL;
    return 0;
}

static box *new_box(lua_State *L, void (*free_fn)(void *))
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->free_fn = free_fn;
    luaL_setmetatable(L, BOX_MT);
    return b;
}

static void free_table(void *p) { iv_table_free(p); }
static void free_model(void *p) { iv_model_free(p); }
static void free_rubric(void *p) { iv_rubric_free(p); }
static void free_indicators(void *p) { iv_indicators_free(p); }
static void free_plain(void *p) { free(p); }
static void free_clv(void *p) { iv_clv_free(p); }
static void free_source(void *p) { iv_source_free(p); }

/* Scratch memory owned by a box on the stack (freed even if an error unwinds). */
static void *scratch(lua_State *L, size_t bytes)
{
    box *b = new_box(L, free_plain);
    b->p = malloc(bytes ? bytes : 1);
    if (!b->p)
        luaL_error(L, "iv: out of memory");
    return b->p;
}

/* --- tables ------------------------------------------------------------------------ */

static void push_cell(lua_State *L, const iv_table *t, size_t r, size_t c)
{
    char buf[48];
    switch (iv_table_col_type(t, c)) {
    case IV_COL_STRING:
        lua_pushstring(L, iv_table_get_string(t, r, c));
        break;
    case IV_COL_INT:
        lua_pushinteger(L, (lua_Integer)iv_table_get_int(t, r, c));
        break;
    case IV_COL_TIME:
        if (iv_time_format(iv_table_get_int(t, r, c), buf, sizeof buf) == IV_OK)
            lua_pushstring(L, buf);
        else
            lua_pushnil(L);
        break;
    case IV_COL_BOOL:
        lua_pushboolean(L, iv_table_get_int(t, r, c) != 0);
        break;
    case IV_COL_LIST: {
        size_t i, n = iv_table_get_list_len(t, r, c);
        lua_createtable(L, (int)n, 0);
        for (i = 0; i < n; i++) {
            lua_pushstring(L, iv_table_get_list_item(t, r, c, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    default:
        lua_pushnumber(L, iv_table_get_double(t, r, c));
        break;
    }
}

static void push_row(lua_State *L, const iv_table *t, size_t r)
{
    size_t c, nc = iv_table_ncols(t);
    lua_createtable(L, 0, (int)nc);
    for (c = 0; c < nc; c++) {
        /* undefined: the key is absent, so the value reads as nil; a list is always a
         * table (empty when undefined), as the JSON export writes it */
        if (!iv_table_is_defined(t, r, c) && iv_table_col_type(t, c) != IV_COL_LIST)
            continue;
        push_cell(L, t, r, c);
        lua_setfield(L, -2, iv_table_col_name(t, c));
    }
}

/* Push a result table: an array of rows, one row for a single result, or the text export
 * when the options table at index `opts` (0 = none) has format = "csv"|"json"|"table".
 * Frees the table held in `b` (the box at the top of the stack is replaced). */
static int push_result(lua_State *L, box *b, int opts)
{
    const iv_table *t = b->p;
    int format = -1;
    if (opts) {
        static const char *const names[] = {"table", "csv", "json", NULL};
        lua_getfield(L, opts, "format");
        if (!lua_isnil(L, -1))
            format = luaL_checkoption(L, -1, NULL, names);
        lua_pop(L, 1);
    }
    if (format >= 0) {
        char *s = NULL;
        size_t len = 0;
        int rc = iv_table_to_string(t, format, &s, &len);
        if (rc != IV_OK)
            return fail(L, rc);
        lua_pushlstring(L, s, len);
        iv_table_free_string(t, s);
    } else if (iv_table_is_single(t) && iv_table_nrows(t) == 1) {
        push_row(L, t, 0);
    } else {
        size_t r, n = iv_table_nrows(t);
        lua_createtable(L, (int)n, 0);
        for (r = 0; r < n; r++) {
            push_row(L, t, r);
            lua_rawseti(L, -2, (lua_Integer)r + 1);
        }
    }
    iv_table_free(b->p);
    b->p = NULL;
    return 1;
}

/* --- option helpers ---------------------------------------------------------------- */

static const char *opt_string(lua_State *L, int opts, const char *key)
{
    const char *s = NULL;
    if (!opts)
        return NULL;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "iv: option '%s' must be a string", key);
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1); /* the string stays alive: it is referenced by the options table */
    return s;
}

static int opt_bool(lua_State *L, int opts, const char *key)
{
    int v = 0;
    if (!opts)
        return 0;
    lua_getfield(L, opts, key);
    v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static int opt_number(lua_State *L, int opts, const char *key, double *out)
{
    int isnum = 0;
    if (!opts)
        return 0;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1)) {
        *out = lua_tonumberx(L, -1, &isnum);
        if (!isnum)
            luaL_error(L, "iv: option '%s' must be a number", key);
    }
    lua_pop(L, 1);
    return isnum;
}

/* A time at stack index idx: ISO text or integer milliseconds. Returns 0 or a status. */
static int to_time(lua_State *L, int idx, int64_t *out)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return iv_time_parse(s, len, out);
    }
    if (lua_isinteger(L, idx)) {
        *out = (int64_t)lua_tointeger(L, idx);
        return IV_OK;
    }
    return luaL_error(L, "iv: a time is ISO 8601 text or integer milliseconds since the epoch");
}

static int opt_time(lua_State *L, int opts, const char *key, int64_t *out)
{
    int rc = IV_OK;
    if (!opts)
        return IV_OK;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1))
        rc = to_time(L, lua_gettop(L), out);
    lua_pop(L, 1);
    return rc;
}

static int opts_index(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    luaL_checktype(L, idx, LUA_TTABLE);
    return lua_absindex(L, idx);
}

/* --- model ------------------------------------------------------------------------- */

typedef struct lmodel {
    iv_model *m;
} lmodel;

static iv_model *check_model(lua_State *L, int idx)
{
    lmodel *u = luaL_checkudata(L, idx, MODEL_MT);
    if (!u->m)
        luaL_error(L, "iv: model used after close()");
    return u->m;
}

static int push_model(lua_State *L, iv_model *m)
{
    lmodel *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->m = m;
    luaL_setmetatable(L, MODEL_MT);
    return 1;
}

static void lua_alloc_options(lua_State *L, iv_alloc_fn *alloc, void **ud)
{
    *alloc = (iv_alloc_fn)lua_getallocf(L, ud);
}

static int l_model(lua_State *L)
{
    iv_model_options o;
    iv_model *m = NULL;
    int rc;
    iv_model_options_init(&o, sizeof o);
    lua_alloc_options(L, &o.alloc, &o.alloc_ud);
    if (lua_isnoneornil(L, 1))
        rc = iv_model_new(&m, &o);
    else
        rc = iv_model_load(&m, luaL_checkstring(L, 1), &o);
    if (rc != IV_OK)
        return fail(L, rc);
    return push_model(L, m);
}

static int l_model_parse(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    iv_model_options o;
    iv_model *m = NULL;
    int rc;
    iv_model_options_init(&o, sizeof o);
    lua_alloc_options(L, &o.alloc, &o.alloc_ud);
    rc = iv_model_parse(&m, text, len, &o);
    if (rc != IV_OK)
        return fail(L, rc);
    return push_model(L, m);
}

static int m_close(lua_State *L)
{
    lmodel *u = luaL_checkudata(L, 1, MODEL_MT);
    iv_model_free(u->m);
    u->m = NULL;
    return 0;
}

static const char *const stage_names[] = {"", "acquisition", "closing", "retention", NULL};
static const char *const class_names[] = {"watch", "do", "lead", NULL};
static const char *const survey_names[] = {"", "nps", "csat", "ces", NULL};
static const char *const area_names[] = {"", "technology", "channels", "engagement",
                                         "experience", "content", "business", "analytics",
                                         "governance", NULL};
static const char *const flag_names[] = {"purchase", "repeat", "refer", "upsell",
                                         "cross_sell", "bad_experience", "support", "churn",
                                         NULL};

/* model:set_type(name, {rv=, stage=, class=, flags={...}, rv_repeat=, daily_cap=,
 *                       survey=, survey_rv={low, mid, high}}) */
static int m_set_type(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    const char *type = luaL_checkstring(L, 2);
    double d;
    int rc = IV_OK;
    luaL_checktype(L, 3, LUA_TTABLE);
    if (opt_number(L, 3, "rv", &d) && (rc = iv_model_set_type_rv(m, type, d)) != IV_OK)
        return fail(L, rc);
    if (opt_number(L, 3, "rv_repeat", &d) &&
        (rc = iv_model_set_type_rv_repeat(m, type, d)) != IV_OK)
        return fail(L, rc);
    if (opt_number(L, 3, "daily_cap", &d) &&
        (rc = iv_model_set_type_daily_cap(m, type, d)) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "stage");
    if (!lua_isnil(L, -1) && (rc = iv_model_set_type_stage(m, type,
                                  luaL_checkoption(L, -1, NULL, stage_names))) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "class");
    if (!lua_isnil(L, -1) && (rc = iv_model_set_type_class(m, type,
                                  luaL_checkoption(L, -1, NULL, class_names))) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "survey");
    if (!lua_isnil(L, -1) && (rc = iv_model_set_type_survey(m, type,
                                  luaL_checkoption(L, -1, NULL, survey_names))) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "flags");
    if (!lua_isnil(L, -1)) {
        unsigned flags = 0;
        lua_Integer i, n;
        luaL_checktype(L, -1, LUA_TTABLE);
        n = (lua_Integer)lua_rawlen(L, -1);
        for (i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            flags |= 1u << luaL_checkoption(L, -1, NULL, flag_names);
            lua_pop(L, 1);
        }
        if ((rc = iv_model_set_type_flags(m, type, flags)) != IV_OK)
            return fail(L, rc);
    }
    lua_getfield(L, 3, "survey_rv");
    if (!lua_isnil(L, -1)) {
        double v[3];
        int i;
        luaL_checktype(L, -1, LUA_TTABLE);
        for (i = 0; i < 3; i++) {
            lua_rawgeti(L, -1, i + 1);
            v[i] = luaL_checknumber(L, -1);
            lua_pop(L, 1);
        }
        if ((rc = iv_model_set_type_survey_rv(m, type, v[0], v[1], v[2])) != IV_OK)
            return fail(L, rc);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* model:set_channel(name, {cost=, digital=, area=}) */
static int m_set_channel(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    const char *ch = luaL_checkstring(L, 2);
    double d;
    int rc;
    luaL_checktype(L, 3, LUA_TTABLE);
    if (opt_number(L, 3, "cost", &d) && (rc = iv_model_set_channel_cost(m, ch, d)) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "digital");
    if (!lua_isnil(L, -1) &&
        (rc = iv_model_set_channel_digital(m, ch, lua_toboolean(L, -1))) != IV_OK)
        return fail(L, rc);
    lua_getfield(L, 3, "area");
    if (!lua_isnil(L, -1) && (rc = iv_model_set_channel_area(m, ch,
                                  luaL_checkoption(L, -1, NULL, area_names))) != IV_OK)
        return fail(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int m_set_param(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    double v = lua_isnil(L, 3) ? NAN : luaL_checknumber(L, 3);
    int rc = iv_model_set_param(m, luaL_checkstring(L, 2), v);
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int m_get_param(lua_State *L)
{
    double v;
    int rc = iv_model_get_param(check_model(L, 1), luaL_checkstring(L, 2), &v);
    if (rc != IV_OK)
        return fail(L, rc);
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    return 1;
}

/* model:type_info(name) -> {rv=, stage=, class=, flags={...}, rv_repeat=, daily_cap=,
 *                           survey=} */
static int m_type_info(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    const char *type = luaL_checkstring(L, 2);
    double d;
    int i, rc;
    unsigned flags;
    if ((rc = iv_model_get_type_rv(m, type, &d)) != IV_OK)
        return fail(L, rc);
    lua_createtable(L, 0, 7);
    lua_pushnumber(L, d);
    lua_setfield(L, -2, "rv");
    iv_model_get_type_rv_repeat(m, type, &d);
    lua_pushnumber(L, d);
    lua_setfield(L, -2, "rv_repeat");
    iv_model_get_type_daily_cap(m, type, &d);
    if (!isnan(d)) {
        lua_pushnumber(L, d);
        lua_setfield(L, -2, "daily_cap");
    }
    iv_model_get_type_stage(m, type, &i);
    if (i > 0 && i < 4) {
        lua_pushstring(L, stage_names[i]);
        lua_setfield(L, -2, "stage");
    }
    iv_model_get_type_class(m, type, &i);
    lua_pushstring(L, i >= 0 && i < 3 ? class_names[i] : "watch");
    lua_setfield(L, -2, "class");
    iv_model_get_type_survey(m, type, &i);
    if (i > 0 && i < 4) {
        lua_pushstring(L, survey_names[i]);
        lua_setfield(L, -2, "survey");
    }
    iv_model_get_type_flags(m, type, &flags);
    lua_newtable(L);
    for (i = 0; flag_names[i]; i++)
        if (flags & (1u << i)) {
            lua_pushstring(L, flag_names[i]);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        }
    lua_setfield(L, -2, "flags");
    return 1;
}

static int m_channel_info(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    const char *ch = luaL_checkstring(L, 2);
    double cost;
    int digital, area, rc;
    if ((rc = iv_model_get_channel_cost(m, ch, &cost)) != IV_OK)
        return fail(L, rc);
    iv_model_get_channel_digital(m, ch, &digital);
    iv_model_get_channel_area(m, ch, &area);
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, cost);
    lua_setfield(L, -2, "cost");
    lua_pushboolean(L, digital);
    lua_setfield(L, -2, "digital");
    lua_pushstring(L, area > 0 && area < 9 ? area_names[area] : "");
    lua_setfield(L, -2, "area");
    return 1;
}

static int m_to_string(lua_State *L)
{
    iv_model *m = check_model(L, 1);
    char *s = NULL;
    size_t len = 0;
    int rc = iv_model_to_string(m, &s, &len);
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushlstring(L, s, len);
    iv_model_free_string(m, s);
    return 1;
}

static int m_eq(lua_State *L)
{
    lua_pushboolean(L, iv_model_equal(check_model(L, 1), check_model(L, 2)));
    return 1;
}

/* A model given in options under `key`: a model userdata or a path (loaded into a box). */
static const iv_model *opt_model_at(lua_State *L, int opts, const char *key, int *rc)
{
    const iv_model *m = NULL;
    *rc = IV_OK;
    if (!opts)
        return NULL;
    lua_getfield(L, opts, key);
    if (lua_type(L, -1) == LUA_TSTRING) {
        box *b = new_box(L, free_model);
        iv_model *loaded = NULL;
        *rc = iv_model_load(&loaded, lua_tostring(L, -2), NULL);
        b->p = loaded;
        m = loaded;
        lua_remove(L, -2); /* keep the box on the stack until the caller returns */
        return m;
    }
    if (!lua_isnil(L, -1))
        m = check_model(L, -1);
    lua_pop(L, 1); /* the options table keeps the userdata alive */
    return m;
}

/* The scoring model of the options (`model`). */
static const iv_model *opt_model(lua_State *L, int opts, int *rc)
{
    return opt_model_at(L, opts, "model", rc);
}

/* --- store ------------------------------------------------------------------------- */

/* busy counts the store's method calls in progress (store_guarded): Lua code can run in
 * the middle of one (a metamethod of an options table, a finalizer during an allocation)
 * and call close(); the store is then only marked closed, and freed when the last call
 * on it returns (or at __gc), never under a running call. */
typedef struct lstore {
    iv_store *s;
    int busy;
    int closed;
} lstore;

static iv_store *check_store(lua_State *L, int idx)
{
    lstore *u = luaL_checkudata(L, idx, STORE_MT);
    if (!u->s || u->closed)
        luaL_error(L, "iv: store used after close()");
    return u->s;
}

static lstore *new_store(lua_State *L)
{
    iv_store_options o;
    lstore *u = lua_newuserdatauv(L, sizeof *u, 0);
    int rc;
    u->s = NULL;
    u->busy = 0;
    u->closed = 0;
    luaL_setmetatable(L, STORE_MT);
    iv_store_options_init(&o, sizeof o);
    lua_alloc_options(L, &o.alloc, &o.alloc_ud);
    rc = iv_store_new(&u->s, &o);
    if (rc != IV_OK)
        return NULL;
    return u;
}

static int s_close(lua_State *L)
{
    lstore *u = luaL_checkudata(L, 1, STORE_MT);
    u->closed = 1;
    if (u->busy)
        return 0; /* freed when the call in progress returns */
    iv_store_free(u->s);
    u->s = NULL;
    return 0;
}

static int s_gc(lua_State *L)
{
    lstore *u = luaL_checkudata(L, 1, STORE_MT);
    iv_store_free(u->s); /* unreachable: no call can be running on it */
    u->s = NULL;
    return 0;
}

/* Every store method runs through here (upvalue 1: the method): the call is counted in
 * busy, and errors are caught to uncount it before they propagate. */
static int store_guarded(lua_State *L)
{
    lstore *u = luaL_testudata(L, 1, STORE_MT);
    int n = lua_gettop(L), status;
    if (!u)
        return lua_tocfunction(L, lua_upvalueindex(1))(L); /* its own argument error */
    lua_pushvalue(L, 1);               /* keeps the userdata alive below the results */
    lua_insert(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 2);
    u->busy++;
    status = lua_pcall(L, n, LUA_MULTRET, 0);
    u->busy--;
    if (u->closed && !u->busy && u->s) {
        iv_store_free(u->s);
        u->s = NULL;
    }
    if (status != LUA_OK)
        return lua_error(L);
    return lua_gettop(L) - 1;
}

static int l_store(lua_State *L)
{
    if (!new_store(L))
        return fail(L, IV_ENOMEM);
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The source options (doc/SOURCES.md, "Options"), with their C names. */
static const char *const source_names[] = {
    "profile", /* first: the options beside it override it */
    "delimiter", "encoding", "time_format", "timezone", "epoch_unit", "decimal",
    "thousands", "map", "set", "values", "dedup", NULL,
};
static const char *const ingest_names[] = {
    "input_format", "lenient", "rejects", "max_line", "max_fields", "max_string", "max_depth",
    "max_raw", "max_rejects", "threads", "skip", "keep_dims", NULL,
};

static int in_list(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(k, *list) == 0)
            return 1;
    return 0;
}

/* iv_source_set(src, name, value) with the message naming both; raises on failure
 * (the source is in a box on the stack). */
static void source_set(lua_State *L, iv_source *src, const char *name, const char *value)
{
    if (iv_source_set(src, name, value) != IV_OK)
        luaL_error(L, "iv: %s", iv_error_last());
}

/* The string at the top of the stack, or an error naming the option. */
static const char *source_str(lua_State *L, const char *name)
{
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "iv: option '%s' takes strings", name);
    return lua_tostring(L, -1);
}

/* The source the options table describes (NULL when it has none), owned by a box
 * pushed on the stack. Unknown option names are errors. Forms: time_format a string or
 * an array of them; map and set "a=b,..." or {a = "b"} (map: {a = {"b", "c"}} for one
 * source feeding several fields); values "FIELD:from=to,..." or an array of such, or
 * {FIELD = {from = "to"}}. */
static iv_source *ingest_source(lua_State *L, int opts)
{
    box *b;
    iv_source *src = NULL;
    int k;
    b = new_box(L, free_source);
    if (!opts)
        return NULL;
    lua_pushnil(L);
    while (lua_next(L, opts)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!key || (!in_list(key, source_names) && !in_list(key, ingest_names)))
            luaL_error(L, "iv: unknown option '%s'", key ? key : "(not a string)");
        lua_pop(L, 1);
    }
    for (k = 0; source_names[k]; k++) {
        const char *name = source_names[k];
        lua_getfield(L, opts, name);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        if (!src) {
            if (iv_source_new(&src) != IV_OK)
                luaL_error(L, "iv: out of memory");
            b->p = src;
        }
        if (lua_type(L, -1) != LUA_TTABLE) {
            source_set(L, src, name, source_str(L, name));
        } else if (strcmp(name, "map") == 0 || strcmp(name, "set") == 0 || strcmp(name, "values") == 0) {
            int t = lua_absindex(L, -1);
            lua_Integer i;
            /* the array part: strings as the string form */
            for (i = 1; lua_rawgeti(L, t, i) != LUA_TNIL; i++) {
                source_set(L, src, name, source_str(L, name));
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
            lua_pushnil(L);
            while (lua_next(L, t)) {
                char buf[1024];
                const char *a;
                if (lua_type(L, -2) != LUA_TSTRING) { /* the array part, done above */
                    lua_pop(L, 1);
                    continue;
                }
                a = lua_tostring(L, -2);
                if (lua_type(L, -1) == LUA_TTABLE) {
                    int u = lua_absindex(L, -1);
                    if (strcmp(name, "values") == 0) {
                        lua_pushnil(L);
                        while (lua_next(L, u)) {
                            const char *from = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
                            if (!from)
                                luaL_error(L, "iv: option 'values': keys of %s must be strings", a);
                            snprintf(buf, sizeof buf, "%s:%s=%s", a, from, source_str(L, name));
                            source_set(L, src, name, buf);
                            lua_pop(L, 1);
                        }
                    } else if (strcmp(name, "map") == 0) {
                        for (i = 1; lua_rawgeti(L, u, i) != LUA_TNIL; i++) {
                            snprintf(buf, sizeof buf, "%s=%s", a, source_str(L, name));
                            source_set(L, src, name, buf);
                            lua_pop(L, 1);
                        }
                        lua_pop(L, 1);
                    } else {
                        luaL_error(L, "iv: option 'set': %s must be a string", a);
                    }
                } else {
                    if (strcmp(name, "values") == 0)
                        luaL_error(L, "iv: option 'values': %s must be a table {from = to}", a);
                    snprintf(buf, sizeof buf, "%s=%s", a, source_str(L, name));
                    source_set(L, src, name, buf);
                }
                lua_pop(L, 1);
            }
        } else if (strcmp(name, "time_format") == 0) {
            int t = lua_absindex(L, -1);
            lua_Integer i;
            for (i = 1; lua_rawgeti(L, t, i) != LUA_TNIL; i++) {
                source_set(L, src, name, source_str(L, name));
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        } else {
            luaL_error(L, "iv: option '%s' takes a string", name);
        }
        lua_pop(L, 1);
    }
    return src;
}

/* Ingest the file at `path` into `s` with the options table at `opts` (0 = none).
 * Pushes a table {rows_read, rows_accepted, rows_rejected, rejects = {...}} and returns 1,
 * or pushes nil, msg, code and returns 3. */
static int ingest_into(lua_State *L, iv_store *s, const char *path, int opts)
{
    iv_ingest_options o;
    iv_ingest_stats st;
    iv_ingest *ing = NULL;
    const char *fmt, *rejects;
    double d;
    int rc;
    size_t i, nrej;
    iv_ingest_options_init(&o, sizeof o);
    o.source = ingest_source(L, opts); /* freed with its box, on the stack */
    fmt = opt_string(L, opts, "input_format");
    if (fmt)
        o.format = strcmp(fmt, "jsonl") == 0 || strcmp(fmt, "ndjson") == 0 ? IV_INPUT_JSONL
                   : strcmp(fmt, "csv") == 0 ? IV_INPUT_CSV
                   : luaL_error(L, "iv: input_format must be 'csv' or 'jsonl'");
    else
        o.format = ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ? IV_INPUT_JSONL
                                                                           : IV_INPUT_CSV;
    o.policy = opt_bool(L, opts, "lenient") ? IV_POLICY_LENIENT : IV_POLICY_STRICT;
    if (opt_number(L, opts, "max_line", &d))
        o.max_line = (size_t)d;
    if (opt_number(L, opts, "max_fields", &d))
        o.max_fields = (size_t)d;
    if (opt_number(L, opts, "max_string", &d))
        o.max_string = (size_t)d;
    if (opt_number(L, opts, "max_depth", &d))
        o.max_depth = (size_t)d;
    if (opt_number(L, opts, "max_raw", &d))
        o.max_raw = (size_t)d;
    if (opt_number(L, opts, "max_rejects", &d))
        o.max_rejects = (uint64_t)d;
    if (opt_number(L, opts, "threads", &d)) {
        if (!(d >= 0 && d <= 1024))
            return luaL_error(L, "iv: threads must be a number from 0 to 1024");
        o.threads = (int)d;
    }
    if (opts) { /* skip: "id", "dims" or an array of them (iv_ingest_options.skip) */
        int k, n;
        lua_getfield(L, opts, "skip");
        n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : lua_isnil(L, -1) ? 0 : 1;
        for (k = 1; k <= n; k++) {
            const char *v;
            if (lua_istable(L, -1))
                lua_rawgeti(L, -1, k);
            else
                lua_pushvalue(L, -1);
            v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(v, "id") == 0)
                o.skip |= IV_SKIP_ID;
            else if (strcmp(v, "dims") == 0)
                o.skip |= IV_SKIP_DIMS;
            else
                return luaL_error(L, "iv: skip takes 'id' and 'dims'");
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    o.keep_dims = opt_string(L, opts, "keep_dims"); /* in the options table, alive */
    rejects = opt_string(L, opts, "rejects");
    if ((rc = iv_ingest_new(&ing, s, &o)) != IV_OK)
        return fail(L, rc);
    rc = iv_ingest_file(ing, path);
    if (rc == IV_OK && rejects)
        rc = iv_ingest_write_rejects(ing, rejects);
    if (rc != IV_OK) {
        /* fail() reads the message before anything else can change it */
        int n = fail(L, rc);
        iv_ingest_free(ing);
        return n;
    }
    st.size = sizeof st;
    iv_ingest_get_stats(ing, &st);
    nrej = iv_ingest_reject_count(ing);
    /* Pushing may raise a memory error: copy everything into Lua values first while the
     * handle is alive, accepting that a Lua out-of-memory here leaks the handle. */
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)st.rows_read);
    lua_setfield(L, -2, "rows_read");
    lua_pushinteger(L, (lua_Integer)st.rows_accepted);
    lua_setfield(L, -2, "rows_accepted");
    lua_pushinteger(L, (lua_Integer)st.rows_rejected);
    lua_setfield(L, -2, "rows_rejected");
    lua_pushinteger(L, (lua_Integer)st.rows_duplicate);
    lua_setfield(L, -2, "rows_duplicate");
    lua_createtable(L, (int)nrej, 0);
    for (i = 0; i < nrej; i++) {
        uint64_t line, off;
        const char *reason, *raw;
        iv_ingest_reject(ing, i, &line, &off, &reason, &raw);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, (lua_Integer)line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, (lua_Integer)off);
        lua_setfield(L, -2, "offset");
        lua_pushstring(L, reason);
        lua_setfield(L, -2, "reason");
        lua_pushstring(L, raw);
        lua_setfield(L, -2, "raw");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "rejects");
    iv_ingest_free(ing);
    lua_remove(L, -2); /* the source's box: collected (and the source freed) later */
    return 1;
}

static int is_snapshot(const char *path)
{
    char head[sizeof IV_STORE_SNAPSHOT_MAGIC - 1];
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(head, 1, sizeof head, f);
        fclose(f);
    }
    return n == sizeof head && memcmp(head, IV_STORE_SNAPSHOT_MAGIC, sizeof head) == 0;
}

/* iv.load(path [, opts]) -> store, ingest_result | nil, msg, code. A store snapshot
 * (store:save) is loaded as such (then the second result is absent). */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int opts = opts_index(L, 2), n;
    lstore *u;
    if (is_snapshot(path)) {
        iv_store_options o;
        int rc;
        u = lua_newuserdatauv(L, sizeof *u, 0);
        u->s = NULL;
        u->busy = 0;
        u->closed = 0;
        luaL_setmetatable(L, STORE_MT);
        iv_store_options_init(&o, sizeof o);
        lua_alloc_options(L, &o.alloc, &o.alloc_ud);
        if ((rc = iv_store_load(&u->s, path, &o)) != IV_OK)
            return fail(L, rc);
        return 1;
    }
    u = new_store(L);
    if (!u)
        return fail(L, IV_ENOMEM);
    n = ingest_into(L, u->s, path, opts);
    if (n != 1) {
        iv_store_free(u->s);
        u->s = NULL;
        return n;
    }
    return 2; /* the store, then the counters */
}

/* store:save(path) -> true | nil, msg, code: an atomic, checksummed snapshot */
static int s_save(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int rc;
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = iv_store_save(s, luaL_checkstring(L, 2))))
        return fail(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* store:ingest(path [, opts]) -> counters | nil, msg, code */
static int s_ingest(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    return ingest_into(L, s, luaL_checkstring(L, 2), opts_index(L, 3));
}

static int enum_of(lua_State *L, int idx, const char *const *names, const char *what)
{
    const char *s;
    int i;
    if (lua_isnoneornil(L, idx))
        return 0;
    if (lua_isinteger(L, idx))
        return (int)lua_tointeger(L, idx);
    s = luaL_checkstring(L, idx);
    for (i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    if (strcmp(what, "outcome") == 0) {
        if (strcmp(s, "+1") == 0 || strcmp(s, "1") == 0)
            return IV_OUTCOME_DESIRED;
        if (strcmp(s, "0") == 0)
            return IV_OUTCOME_NEUTRAL;
        if (strcmp(s, "-1") == 0)
            return IV_OUTCOME_UNDESIRED;
    }
    return -1;   /* unknown name: the caller returns nil, message, IV_EPARSE */
}

/* nil, message, code for a failure the binding finds itself (bad data, a limit), in the
 * same convention as the library's failures. */
static int fail_msg(lua_State *L, int rc, const char *fmt, const char *a, const char *b)
{
    lua_pushnil(L);
    lua_pushfstring(L, fmt, a, b);
    lua_pushinteger(L, rc);
    return 3;
}

static const char *const direction_names[] = {"", "in", "out", NULL};
static const char *const outcome_names[] = {"", "desired", "neutral", "undesired", NULL};

static int is_record_field(const char *k)
{
    static const char *const fields[] = {"contact", "ts", "channel", "type", "stage", "area",
                                         "direction", "outcome", "cost", "value", "score",
                                         "rv", "team", "id", NULL};
    int i;
    for (i = 0; fields[i]; i++)
        if (strcmp(fields[i], k) == 0)
            return 1;
    return 0;
}

/* store:append{contact=, ts=, channel=, type=, ...; any other string key is a custom
 * dimension} -> true | nil, msg, code */
static int s_append(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    iv_record rec;
    const char **names, **values;
    size_t nd = 0;
    int rc;
    double d;
    luaL_checktype(L, 2, LUA_TTABLE);
    iv_record_init(&rec, sizeof rec);
    rec.contact = opt_string(L, 2, "contact");
    rec.channel = opt_string(L, 2, "channel");
    rec.type = opt_string(L, 2, "type");
    rec.team = opt_string(L, 2, "team");
    rec.id = opt_string(L, 2, "id");
    rec.ts = IV_TIME_NONE;
    if ((rc = opt_time(L, 2, "ts", &rec.ts)) != IV_OK)
        return fail(L, rc);
    {
        static const char *const keys[] = {"stage", "area", "direction", "outcome"};
        const char *const *tables[] = {stage_names, area_names, direction_names, outcome_names};
        int *dst[] = {&rec.stage, &rec.area, &rec.direction, &rec.outcome};
        int k;
        for (k = 0; k < 4; k++) {
            lua_getfield(L, 2, keys[k]);
            *dst[k] = enum_of(L, -1, tables[k], keys[k]);
            if (*dst[k] < 0)
                return fail_msg(L, IV_EPARSE, "field %s: unknown value '%s'", keys[k],
                                lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    if (opt_number(L, 2, "cost", &d))
        rec.cost = d;
    if (opt_number(L, 2, "value", &d))
        rec.value = d;
    if (opt_number(L, 2, "score", &d))
        rec.score = d;
    if (opt_number(L, 2, "rv", &d))
        rec.rv = d;
    /* custom dimensions: every other string key */
    names = scratch(L, IV_MAX_DIMS * sizeof *names);
    values = scratch(L, IV_MAX_DIMS * sizeof *values);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) == LUA_TSTRING && !is_record_field(lua_tostring(L, -2))) {
            if (nd == IV_MAX_DIMS)
                return fail_msg(L, IV_ELIMIT, "more than the allowed custom dimensions at '%s'%s",
                                lua_tostring(L, -2), "");
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "iv: custom dimension '%s' must be a string",
                                  lua_tostring(L, -2));
            names[nd] = lua_tostring(L, -2);
            values[nd++] = lua_tostring(L, -1);
        }
        lua_pop(L, 1);
    }
    rec.ndims = nd;
    rec.dim_names = names;
    rec.dim_values = values;
    if ((rc = iv_store_append(s, &rec)) != IV_OK)
        return fail(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int s_rows(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)iv_store_rows(check_store(L, 1)));
    return 1;
}

static int s_contacts(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)iv_store_contacts(check_store(L, 1)));
    return 1;
}

static int s_time_range(lua_State *L)
{
    int64_t a, b;
    char buf[48];
    iv_store_time_range(check_store(L, 1), &a, &b);
    if (a == IV_TIME_NONE)
        return 0;
    iv_time_format(a, buf, sizeof buf);
    lua_pushstring(L, buf);
    iv_time_format(b, buf, sizeof buf);
    lua_pushstring(L, buf);
    return 2;
}

static int s_dims(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    size_t i, n = iv_store_dim_count(s);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
        lua_pushstring(L, iv_store_dim_name(s, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static void set_num(lua_State *L, const char *k, double v)
{
    if (!isnan(v)) {
        lua_pushnumber(L, v);
        lua_setfield(L, -2, k);
    }
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    if (v && *v) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

/* store:row(i) -> the i-th row (1-based, insertion order) as a table */
static int s_row(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    iv_record rec;
    char buf[48];
    size_t d, nd;
    iv_record_init(&rec, sizeof rec);
    if (i < 1 || iv_store_get_row(s, (size_t)(i - 1), &rec) != IV_OK)
        return fail(L, IV_ERANGE);
    lua_createtable(L, 0, 16);
    set_str(L, "contact", rec.contact);
    iv_time_format(rec.ts, buf, sizeof buf);
    set_str(L, "ts", buf);
    set_str(L, "channel", rec.channel);
    set_str(L, "type", rec.type);
    set_str(L, "stage", iv_enum_name(0, rec.stage));
    set_str(L, "area", iv_enum_name(1, rec.area));
    set_str(L, "direction", iv_enum_name(2, rec.direction));
    set_str(L, "outcome", iv_enum_name(3, rec.outcome));
    set_num(L, "cost", rec.cost);
    set_num(L, "value", rec.value);
    set_num(L, "score", rec.score);
    set_num(L, "rv", rec.rv);
    set_str(L, "team", rec.team);
    set_str(L, "id", rec.id);
    nd = iv_store_dim_count(s);
    for (d = 0; d < nd; d++)
        set_str(L, iv_store_dim_name(s, d), iv_store_get_dim(s, (size_t)(i - 1), d));
    return 1;
}

/* Query options from the table at `opts`: by (string or array), where, from, to, model,
 * t_ref. Pushes helper values (a by string, a loaded model box) that must stay on the
 * stack during the call. Returns IV_OK or a status (message set). */
static int query_options(lua_State *L, int opts, iv_query_options *q)
{
    int rc;
    iv_query_options_init(q, sizeof *q);
    if (!opts)
        return IV_OK;
    lua_getfield(L, opts, "by");
    if (lua_istable(L, -1)) {
        luaL_Buffer b;
        lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
        int t = lua_gettop(L);
        luaL_buffinit(L, &b);
        for (i = 1; i <= n; i++) {
            lua_rawgeti(L, t, i);
            if (i > 1)
                luaL_addchar(&b, ',');
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        q->by = lua_tostring(L, -1); /* stays on the stack */
    } else if (!lua_isnil(L, -1)) {
        q->by = luaL_checkstring(L, -1);
    }
    q->where = opt_string(L, opts, "where");
    if ((rc = opt_time(L, opts, "from", &q->from)) != IV_OK ||
        (rc = opt_time(L, opts, "to", &q->to)) != IV_OK ||
        (rc = opt_time(L, opts, "t_ref", &q->t_ref)) != IV_OK)
        return rc;
    q->model = opt_model(L, opts, &rc);
    return rc;
}

enum { Q_METRICS, Q_COMPARE, Q_DRILL, Q_CONTACTS };

static int run_query(lua_State *L, int kind)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc;
    iv_query_options q;
    box *b;
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK)
        return fail(L, rc);
    b = new_box(L, free_table);
    if (kind == Q_METRICS) {
        rc = iv_query_metrics((iv_table **)&b->p, s, &q);
    } else if (kind == Q_CONTACTS) {
        rc = iv_query_contacts((iv_table **)&b->p, s, &q);
    } else if (kind == Q_DRILL) {
        double g = 0;
        if (!opt_number(L, opts, "group", &g) || g < 1)
            return luaL_error(L, "iv: drill needs group = N (1-based row of the metrics)");
        rc = iv_query_drill((iv_table **)&b->p, s, &q, (size_t)g - 1);
    } else {
        int64_t pf = IV_TIME_NONE, pt = IV_TIME_NONE;
        if ((rc = opt_time(L, opts, "prev_from", &pf)) == IV_OK &&
            (rc = opt_time(L, opts, "prev_to", &pt)) == IV_OK)
            rc = iv_query_compare((iv_table **)&b->p, s, &q, pf, pt);
    }
    if (rc != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

static int s_metrics(lua_State *L) { return run_query(L, Q_METRICS); }
static int s_period_compare(lua_State *L) { return run_query(L, Q_COMPARE); }
static int s_drill(lua_State *L) { return run_query(L, Q_DRILL); }
static int s_contacts_table(lua_State *L) { return run_query(L, Q_CONTACTS); }

/* Per-contact metric values of the selection `expr` (and the base where), as a scratch
 * array; *n receives the count. */
static int per_contact(lua_State *L, iv_store *s, iv_query_options *q, const char *expr,
                       const char *metric, double **out, size_t *n)
{
    iv_query_options qq = *q;
    box *b = new_box(L, free_table);
    long col;
    size_t r, nr;
    int rc;
    if (q->where && *q->where) {
        lua_pushfstring(L, "(%s) and (%s)", q->where, expr);
        qq.where = lua_tostring(L, -1);
    } else {
        qq.where = expr;
    }
    qq.by = "contact";
    if ((rc = iv_query_metrics((iv_table **)&b->p, s, &qq)) != IV_OK)
        return rc;
    col = iv_table_col_index(b->p, metric);
    if (col < 0 || strcmp(metric, "contact") == 0) {
        lua_pushfstring(L, "compare: unknown metric '%s'", metric);
        return IV_ENOTFOUND;
    }
    nr = iv_table_nrows(b->p);
    *out = scratch(L, nr * sizeof **out);
    for (r = 0; r < nr; r++)
        (*out)[r] = iv_table_get_double(b->p, r, (size_t)col);
    *n = nr;
    return IV_OK;
}

/* store:compare{metric=, a=, b=, where=, from=, to=, model=, confidence=} -> row */
static int s_compare(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc;
    iv_query_options q;
    iv_stats_options so;
    const char *metric, *a, *bexpr;
    double *xa = NULL, *xb = NULL;
    size_t na = 0, nb = 0;
    box *res;
    luaL_checktype(L, 2, LUA_TTABLE);
    metric = opt_string(L, opts, "metric");
    a = opt_string(L, opts, "a");
    bexpr = opt_string(L, opts, "b");
    if (!metric || !a || !bexpr)
        return luaL_error(L, "iv: compare needs metric, a and b");
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK)
        return fail(L, rc);
    q.by = NULL;
    if ((rc = per_contact(L, s, &q, a, metric, &xa, &na)) != IV_OK ||
        (rc = per_contact(L, s, &q, bexpr, metric, &xb, &nb)) != IV_OK) {
        if (rc == IV_ENOTFOUND && lua_type(L, -1) == LUA_TSTRING) {
            lua_pushnil(L);
            lua_insert(L, -2);
            lua_pushinteger(L, rc);
            return 3;
        }
        return fail(L, rc);
    }
    iv_stats_options_init(&so, sizeof so);
    opt_number(L, opts, "confidence", &so.confidence);
    res = new_box(L, free_table);
    if ((rc = iv_stats_compare((iv_table **)&res->p, xa, na, xb, nb, &so)) != IV_OK)
        return fail(L, rc);
    return push_result(L, res, opts);
}

/* The store prepared and the options of iv_rfm read from the table at opts:
 * calibration_end=, holdout_end=, unit="week"|"day" (the model is the caller's). */
static int rfm_options(lua_State *L, iv_store *s, int opts, iv_rfm_options *o)
{
    const char *unit;
    int rc;
    iv_rfm_options_init(o, sizeof *o);
    if ((rc = iv_store_prepare(s)) != IV_OK ||
        (rc = opt_time(L, opts, "calibration_end", &o->calibration_end)) != IV_OK ||
        (rc = opt_time(L, opts, "holdout_end", &o->holdout_end)) != IV_OK)
        return rc;
    unit = opt_string(L, opts, "unit");
    if (unit)
        o->unit = strcmp(unit, "day") == 0 ? IV_RFM_DAY : IV_RFM_WEEK;
    return IV_OK;
}

/* store:rfm{calibration_end=, unit="week"|"day", holdout_end=, model=} -> rows */
static int s_rfm(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc;
    iv_rfm_options o;
    box *b;
    if ((rc = rfm_options(L, s, opts, &o)) != IV_OK)
        return fail(L, rc);
    o.model = opt_model(L, opts, &rc);
    if (rc != IV_OK)
        return fail(L, rc);
    b = new_box(L, free_table);
    if ((rc = iv_rfm((iv_table **)&b->p, s, &o)) != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

/* store:maturity{rubric=path, indicators=path | {name = value}, from=, to=, model=} */
static int s_maturity(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc;
    int64_t from = IV_TIME_NONE, to = IV_TIME_NONE;
    const char *rubric_path = opt_string(L, opts, "rubric");
    const iv_model *model;
    box *rb = new_box(L, free_rubric), *ib = new_box(L, free_indicators), *tb;
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = opt_time(L, opts, "from", &from)) ||
        (rc = opt_time(L, opts, "to", &to)))
        return fail(L, rc);
    rc = rubric_path ? iv_rubric_load((iv_rubric **)&rb->p, rubric_path, NULL)
                     : iv_rubric_new_default((iv_rubric **)&rb->p, NULL);
    if (rc == IV_OK)
        rc = iv_indicators_new((iv_indicators **)&ib->p, NULL);
    if (rc != IV_OK)
        return fail(L, rc);
    if (opts) {
        lua_getfield(L, opts, "indicators");
        if (lua_type(L, -1) == LUA_TSTRING) {
            rc = iv_indicators_load_csv(ib->p, lua_tostring(L, -1));
        } else if (lua_istable(L, -1)) {
            int t = lua_gettop(L);
            lua_pushnil(L);
            while (rc == IV_OK && lua_next(L, t)) {
                rc = iv_indicators_set(ib->p, luaL_checkstring(L, -2), luaL_checknumber(L, -1));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (rc != IV_OK)
            return fail(L, rc);
    }
    model = opt_model(L, opts, &rc);
    if (rc != IV_OK || (rc = iv_indicators_from_store(ib->p, s, model, from, to)) != IV_OK)
        return fail(L, rc);
    tb = new_box(L, free_table);
    if ((rc = iv_maturity_assess((iv_table **)&tb->p, rb->p, ib->p, NULL)) != IV_OK)
        return fail(L, rc);
    return push_result(L, tb, opts);
}

static int s_len(lua_State *L)
{
    return s_rows(L);
}

static int s_tostring(lua_State *L)
{
    lstore *u = luaL_checkudata(L, 1, STORE_MT);
    if (!u->s)
        lua_pushstring(L, "iv.store (closed)");
    else
        lua_pushfstring(L, "iv.store (%I rows, %I contacts)", (lua_Integer)iv_store_rows(u->s),
                        (lua_Integer)iv_store_contacts(u->s));
    return 1;
}

/* --- CLV --------------------------------------------------------------------------- */

typedef struct lclv {
    iv_clv *c;
} lclv;

static iv_clv *check_clv(lua_State *L, int idx)
{
    lclv *u = luaL_checkudata(L, idx, CLV_MT);
    if (!u->c)
        luaL_error(L, "iv: clv model used after close()");
    return u->c;
}

static int clv_model_code(lua_State *L, int idx)
{
    static const char *const names[] = {"bgnbd", "pareto", "gg", "mbgnbd", "bgbb", "sbg", NULL};
    return luaL_checkoption(L, idx, "bgnbd", names) + 1;
}

/* An array of numbers at idx (or field `key` of the table at idx) as a scratch array. */
static double *numbers(lua_State *L, int idx, size_t *n)
{
    size_t i, len;
    double *a;
    luaL_checktype(L, idx, LUA_TTABLE);
    len = lua_rawlen(L, idx);
    if (lua_getfield(L, idx, "n") == LUA_TNUMBER) /* {n = k, ...}: nil holes are NaN */
        len = (size_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    a = scratch(L, len * sizeof *a);
    for (i = 0; i < len; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        a[i] = lua_isnil(L, -1) ? NAN : luaL_checknumber(L, -1);
        lua_pop(L, 1);
    }
    *n = len;
    return a;
}

static double *field_numbers(lua_State *L, int t, const char *key, size_t *n)
{
    double *a;
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        *n = 0;
        return NULL;
    }
    a = numbers(L, lua_gettop(L), n); /* pushes its scratch box above the array */
    lua_remove(L, -2);
    return a;
}

static int push_clv(lua_State *L, iv_clv *c)
{
    lclv *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->c = c;
    luaL_setmetatable(L, CLV_MT);
    return 1;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Covariates {NAME = {values...}, ...} at field `key` of table t: the names in byte order
 * (*names, a scratch box left on the stack with the row-major n x k values in *z); k = 0
 * when the field is absent. */
static size_t field_covariates(lua_State *L, int t, const char *key, size_t n, double **z,
                               const char ***names)
{
    size_t k = 0, j, i, m;
    int tab;
    char **cb;
    *z = NULL;
    *names = NULL;
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    luaL_checktype(L, -1, LUA_TTABLE);
    tab = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "iv: %s: covariates are {name = {values...}}", key);
        k++;
        lua_pop(L, 1);
    }
    if (k == 0 || k > 12)
        luaL_error(L, "iv: %s: 1 to 12 covariates", key);
    /* one box: k name pointers, then n x k doubles (freed with the box) */
    cb = lua_newuserdatauv(L, k * sizeof(char *) + (n ? n : 1) * k * sizeof(double), 1);
    lua_pushvalue(L, tab);
    lua_setiuservalue(L, -2, 1); /* keeps the names alive with the box */
    j = 0;
    lua_pushnil(L);
    while (lua_next(L, tab)) {
        cb[j++] = (char *)lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    qsort(cb, k, sizeof *cb, cmp_cstr);
    *names = (const char **)cb;
    *z = (double *)(void *)(cb + k);
    for (j = 0; j < k; j++) {
        double *a;
        lua_getfield(L, tab, cb[j]);
        a = numbers(L, lua_gettop(L), &m);
        if (m != n)
            luaL_error(L, "iv: %s.%s has %d values, x has %d", key, cb[j], (int)m, (int)n);
        for (i = 0; i < n; i++)
            (*z)[i * k + j] = a[i];
        lua_pop(L, 2);
    }
    lua_remove(L, tab); /* the box stays on the stack */
    return k;
}

/* iv.clv_fit(model, {x=, t_x=, T=, zbar=, weights=, penalizer=, purchase_covariates=,
 * dropout_covariates=}) -> clv | nil, msg, code; bgbb takes n (or T), sbg periods and
 * churned (or x and t_x); covariates are {NAME = {one value per customer}, ...} (names in
 * byte order), on the purchase rate of bgnbd, mbgnbd and pareto and the dropout rate of
 * pareto (doc/CLV.md) */
static int l_clv_fit(lua_State *L)
{
    int code = clv_model_code(L, 1), rc;
    size_t n, n2 = 0, n3 = 0, n4 = 0, n5 = 0;
    double *x, *tx, *T, *z, *w;
    iv_clv *c = NULL;
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    luaL_checktype(L, 2, LUA_TTABLE);
    x = field_numbers(L, 2, code == IV_CLV_SBG ? "periods" : "x", &n);
    if (!x)
        x = field_numbers(L, 2, "x", &n);
    tx = field_numbers(L, 2, code == IV_CLV_SBG ? "churned" : "t_x", &n2);
    if (!tx)
        tx = field_numbers(L, 2, "t_x", &n2);
    T = field_numbers(L, 2, code == IV_CLV_BGBB ? "n" : "T", &n3);
    if (!T)
        T = field_numbers(L, 2, "T", &n3);
    z = field_numbers(L, 2, "zbar", &n4);
    w = field_numbers(L, 2, "weights", &n5);
    lua_getfield(L, 2, "penalizer");
    if (!lua_isnil(L, -1))
        o.penalizer = luaL_checknumber(L, -1);
    lua_pop(L, 1);
    if (!x || (tx && n2 != n) || (T && n3 != n) || (z && n4 != n) || (w && n5 != n))
        return luaL_error(L, "iv: clv_fit needs x (and t_x, T, zbar or weights) of equal lengths");
    o.weights = w;
    {
        double *zp, *zd;
        const char **np, **nd;
        o.covariates_purchase = field_covariates(L, 2, "purchase_covariates", n, &zp, &np);
        o.z_purchase = zp;
        o.names_purchase = np;
        o.covariates_dropout = field_covariates(L, 2, "dropout_covariates", n, &zd, &nd);
        o.z_dropout = zd;
        o.names_dropout = nd;
    }
    rc = iv_clv_fit(&c, code, x, tx, T, z, n, &o);
    if (rc != IV_OK)
        return fail(L, rc);
    return push_clv(L, c);
}

/* The RFM summary of a store (iv_rfm with the options calibration_end, unit and
 * scoring_model) as arrays; the table and the arrays are owned by boxes on the stack. */
typedef struct rfm_data {
    const iv_table *t;
    size_t n;
    double *x, *t_x, *T, *zbar;
} rfm_data;

static int rfm_load(lua_State *L, iv_store *s, int opts, rfm_data *d)
{
    static const char *const names[] = {"x", "t_x", "T", "zbar"};
    double **dst[4];
    iv_rfm_options o;
    const char *unit;
    box *b;
    size_t r, k;
    int rc;
    iv_rfm_options_init(&o, sizeof o);
    if ((rc = iv_store_prepare(s)) != IV_OK ||
        (rc = opt_time(L, opts, "calibration_end", &o.calibration_end)) != IV_OK)
        return rc;
    unit = opt_string(L, opts, "unit");
    if (unit)
        o.unit = strcmp(unit, "day") == 0 ? IV_RFM_DAY : IV_RFM_WEEK;
    o.model = opt_model_at(L, opts, "scoring_model", &rc);
    if (rc != IV_OK)
        return rc;
    b = new_box(L, free_table);
    if ((rc = iv_rfm((iv_table **)&b->p, s, &o)) != IV_OK)
        return rc;
    d->t = b->p;
    d->n = iv_table_nrows(d->t);
    dst[0] = &d->x;
    dst[1] = &d->t_x;
    dst[2] = &d->T;
    dst[3] = &d->zbar;
    for (k = 0; k < 4; k++) {
        long col = iv_table_col_index(d->t, names[k]);
        if (col < 0)
            return luaL_error(L, "iv: unexpected RFM table");
        *dst[k] = scratch(L, d->n * sizeof(double));
        for (r = 0; r < d->n; r++)
            (*dst[k])[r] = iv_table_get_double(d->t, r, (size_t)col);
    }
    return IV_OK;
}

/* Fit CLV model `code` on the RFM arrays. */
static int rfm_fit(iv_clv **out, int code, const rfm_data *d)
{
    if (code == IV_CLV_GG)
        return iv_clv_fit(out, code, d->x, NULL, NULL, d->zbar, d->n, NULL);
    return iv_clv_fit(out, code, d->x, d->t_x, d->T, NULL, d->n, NULL);
}

/* store:clv_fit{model="bgnbd", calibration_end=, unit=, scoring_model=} -> clv (on the
 * RFM summary) */
static int s_clv_fit(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc, code;
    const char *m = opt_string(L, opts, "model");
    rfm_data d;
    iv_clv *c = NULL;
    lua_pushstring(L, m ? m : "bgnbd");
    code = clv_model_code(L, -1);
    if ((rc = rfm_load(L, s, opts, &d)) != IV_OK || (rc = rfm_fit(&c, code, &d)) != IV_OK)
        return fail(L, rc);
    return push_clv(L, c);
}

/* store:clv_validate{model="bgnbd", calibration_end=, holdout_end=, unit=, scoring_model=,
 * penalizer=, format=} -> rows (iv_clv_validate_store: iv clv validate on the store) */
static int s_clv_validate(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc, code;
    const char *m = opt_string(L, opts, "model");
    iv_rfm_options o;
    iv_clv_options co = IV_CLV_OPTIONS_INIT;
    box *b;
    lua_pushstring(L, m ? m : "bgnbd");
    code = clv_model_code(L, -1);
    lua_pop(L, 1);
    if ((rc = rfm_options(L, s, opts, &o)) != IV_OK)
        return fail(L, rc);
    o.model = opt_model_at(L, opts, "scoring_model", &rc);
    if (rc != IV_OK)
        return fail(L, rc);
    if (opts) {
        lua_getfield(L, opts, "penalizer");
        if (!lua_isnil(L, -1))
            co.penalizer = luaL_checknumber(L, -1);
        lua_pop(L, 1);
    }
    b = new_box(L, free_table);
    if ((rc = iv_clv_validate_store((iv_table **)&b->p, NULL, s, code, &o, &co, NULL)) != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

static int c_close(lua_State *L)
{
    lclv *u = luaL_checkudata(L, 1, CLV_MT);
    iv_clv_free(u->c);
    u->c = NULL;
    return 0;
}

/* clv:params() -> {r=, alpha=, ..., loglik=, customers=} */
static int c_params(lua_State *L)
{
    box *b = new_box(L, free_table);
    int rc = iv_clv_params(check_clv(L, 1), (iv_table **)&b->p);
    if (rc != IV_OK)
        return fail(L, rc);
    push_row(L, b->p, 0);
    return 1;
}

/* Push *v, or nil, msg, code. Takes a pointer: the call that fills it is an argument of
 * the same expression, and C leaves the order of argument evaluation unspecified. */
static int c_number(lua_State *L, int rc, const double *v)
{
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushnumber(L, *v);
    return 1;
}

/* The per-customer functions take numbers or arrays (Lua tables 1..n) in every argument
 * position; with an array anywhere the result is an array of the same length (numbers
 * are reused for every element). Any element failing gives nil, msg, code. */
typedef int (*clv_vfn)(const iv_clv *c, const double *a, double *out);

static int v_expected(const iv_clv *c, const double *a, double *o) { return iv_clv_expected(c, a[0], o); }
static int v_conditional(const iv_clv *c, const double *a, double *o)
{
    return iv_clv_conditional(c, a[0], a[1], a[2], a[3], o);
}
static int v_p_alive(const iv_clv *c, const double *a, double *o) { return iv_clv_p_alive(c, a[0], a[1], a[2], o); }
static int v_spend(const iv_clv *c, const double *a, double *o) { return iv_clv_expected_spend(c, a[0], a[1], o); }
static int v_pmf(const iv_clv *c, const double *a, double *o) { return iv_clv_pmf(c, a[0], a[1], o); }
static int v_survival(const iv_clv *c, const double *a, double *o) { return iv_clv_survival(c, a[0], o); }
static int v_retention(const iv_clv *c, const double *a, double *o) { return iv_clv_retention(c, a[0], o); }
static int v_residual(const iv_clv *c, const double *a, double *o)
{
    return iv_clv_residual_lifetime(c, a[0], a[1], o);
}

static int c_vec(lua_State *L, int nargs, int nopt, clv_vfn f)
{
    const iv_clv *c = check_clv(L, 1);
    double a[4], v = 0;
    size_t len = 0, i;
    int k, rc, arr = 0;
    for (k = 0; k < nargs; k++) {
        int idx = k + 2;
        if (k >= nargs - nopt && lua_isnoneornil(L, idx))
            continue;
        if (lua_istable(L, idx)) {
            size_t l = lua_rawlen(L, idx);
            if (arr && l != len) {
                lua_pushnil(L);
                lua_pushfstring(L, "array arguments of different lengths (%d and %d)", (int)len, (int)l);
                lua_pushinteger(L, IV_EINVAL);
                return 3;
            }
            arr = 1;
            len = l;
        } else {
            luaL_checknumber(L, idx);
        }
    }
    for (k = 0; k < nargs; k++)
        a[k] = lua_istable(L, k + 2) || lua_isnoneornil(L, k + 2) ? 0 : lua_tonumber(L, k + 2);
    if (!arr) {
        rc = f(c, a, &v);
        return c_number(L, rc, &v);
    }
    lua_createtable(L, (int)len, 0);
    for (i = 1; i <= len; i++) {
        for (k = 0; k < nargs; k++)
            if (lua_istable(L, k + 2)) {
                lua_rawgeti(L, k + 2, (lua_Integer)i);
                if (!lua_isnumber(L, -1)) {
                    lua_pushnil(L);
                    lua_pushfstring(L, "element %d of argument %d is not a number", (int)i, k + 1);
                    lua_pushinteger(L, IV_EINVAL);
                    return 3;
                }
                a[k] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        if ((rc = f(c, a, &v)) != IV_OK) {
            /* nil, message, code, naming the element (1-based) the library refused */
            const char *msg = iv_error_last();
            lua_pushnil(L);
            lua_pushfstring(L, "element %d: %s", (int)i, msg && *msg ? msg : iv_strerror(rc));
            lua_pushinteger(L, rc);
            return 3;
        }
        lua_pushnumber(L, v);
        lua_rawseti(L, -2, (lua_Integer)i);
    }
    return 1;
}

static int c_expected(lua_State *L) { return c_vec(L, 1, 0, v_expected); }
static int c_conditional(lua_State *L) { return c_vec(L, 4, 0, v_conditional); }
static int c_p_alive(lua_State *L) { return c_vec(L, 3, 0, v_p_alive); }
static int c_expected_spend(lua_State *L) { return c_vec(L, 2, 0, v_spend); }
static int c_pmf(lua_State *L) { return c_vec(L, 2, 0, v_pmf); }
static int c_survival(lua_State *L) { return c_vec(L, 1, 0, v_survival); }
static int c_retention(lua_State *L) { return c_vec(L, 1, 0, v_retention); }
static int c_residual(lua_State *L) { return c_vec(L, 2, 1, v_residual); }

/* iv.clv_new(model, {params in the model's order}) -> clv | nil, msg, code: a model with
 * given parameters (iv_clv_new) */
static int l_clv_new(lua_State *L)
{
    int code = clv_model_code(L, 1), rc;
    size_t n, want = code == IV_CLV_GG ? 3 : code == IV_CLV_SBG ? 2 : 4;
    double *p = numbers(L, 2, &n);
    iv_clv *c = NULL;
    if (n != want) {
        lua_pushnil(L);
        lua_pushfstring(L, "iv: clv_new: this model has %d parameters, %d given", (int)want,
                        (int)n);
        lua_pushinteger(L, IV_EINVAL);
        return 3;
    }
    if ((rc = iv_clv_new(&c, code, p, NULL)) != IV_OK)
        return fail(L, rc);
    return push_clv(L, c);
}

/* the number of covariates of a fit on one rate: its gamma_<which>.NAME parameters */
static size_t clv_cov_count(lua_State *L, const iv_clv *c, const char *prefix)
{
    iv_table *t = NULL;
    size_t j, k = 0, lp = strlen(prefix);
    int rc = iv_clv_params(c, &t);
    if (rc != IV_OK)
        luaL_error(L, "iv: for_customer: %s", iv_error_last());
    for (j = 0; j < iv_table_ncols(t); j++) {
        const char *nm = iv_table_col_name(t, j);
        size_t ln = strlen(nm);
        if (strncmp(nm, prefix, lp) == 0 && !(ln >= 3 && strcmp(nm + ln - 3, "_se") == 0))
            k++;
    }
    iv_table_free(t);
    return k;
}

/* clv:for_customer({purchase = {z...}, dropout = {z...}}) -> clv | nil, msg, code: the
 * model of one customer of a fit with covariates (its own rates alpha_i, beta_i), the
 * covariates in the fit's order (names in byte order, as iv.clv_fit takes them) */
static int c_for_customer(lua_State *L)
{
    const iv_clv *c = check_clv(L, 1);
    static const char *const which[2] = {"purchase", "dropout"};
    static const char *const prefix[2] = {"gamma_purchase.", "gamma_dropout."};
    double *z[2] = {NULL, NULL};
    iv_clv *one = NULL;
    int i, rc;
    if (lua_isnoneornil(L, 2))
        lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    for (i = 0; i < 2; i++) {
        size_t want = clv_cov_count(L, c, prefix[i]), n;
        z[i] = field_numbers(L, 2, which[i], &n);
        if (!z[i] && want == 0)
            continue;
        if (!z[i] || n != want) {
            lua_pushnil(L);
            lua_pushfstring(L, "iv: for_customer: %s has %d covariates, %d given", which[i],
                            (int)want, z[i] ? (int)n : 0);
            lua_pushinteger(L, IV_EINVAL);
            return 3;
        }
    }
    rc = iv_clv_for_customer(c, z[0], z[1], &one);
    if (rc != IV_OK)
        return fail(L, rc);
    return push_clv(L, one);
}

/* clv:validate{x=, t_x=, T= (n= for bgbb), holdout_x=, holdout_T= (holdout_n= for bgbb; a
 * number for every customer or an array), purchase_covariates=, dropout_covariates=,
 * format=} -> rows x = "0".."6", "7+", "all" (iv_clv_validate; doc/CLV.md) | nil, msg,
 * code; a customer the library refuses is named as element i (1-based) */
static int c_validate(lua_State *L)
{
    const iv_clv *c = check_clv(L, 1);
    int bgbb = iv_clv_model_of(c) == IV_CLV_BGBB, rc;
    size_t n, n2 = 0, n3 = 0, n4 = 0, n5 = 0, failed = 0, i;
    double *x, *tx, *T, *hx, *hT, *zp, *zd, h1;
    iv_clv_validate_options vo = IV_CLV_VALIDATE_OPTIONS_INIT;
    const char **names;
    box *b;
    luaL_checktype(L, 2, LUA_TTABLE);
    x = field_numbers(L, 2, "x", &n);
    tx = field_numbers(L, 2, "t_x", &n2);
    T = field_numbers(L, 2, bgbb ? "n" : "T", &n3);
    if (!T)
        T = field_numbers(L, 2, "T", &n3);
    hx = field_numbers(L, 2, "holdout_x", &n4);
    lua_getfield(L, 2, bgbb ? "holdout_n" : "holdout_T");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_getfield(L, 2, "holdout_T");
    }
    if (lua_isnumber(L, -1)) { /* one holdout length for every customer */
        h1 = lua_tonumber(L, -1);
        lua_pop(L, 1);
        hT = scratch(L, (n ? n : 1) * sizeof *hT);
        for (i = 0; i < n; i++)
            hT[i] = h1;
        n5 = n;
    } else if (lua_istable(L, -1)) {
        hT = numbers(L, lua_gettop(L), &n5);
        lua_remove(L, -2);
    } else {
        return luaL_error(L, "iv: validate needs holdout_T (holdout_n for bgbb): a number or "
                             "an array");
    }
    if (!x || !tx || !T || !hx || n2 != n || n3 != n || n4 != n || n5 != n)
        return luaL_error(L, "iv: validate needs x, t_x, T (n for bgbb), holdout_x and "
                             "holdout_T of equal lengths");
    /* covariates in byte order of their names, as iv.clv_fit takes them (their boxes stay
     * on the stack) */
    field_covariates(L, 2, "purchase_covariates", n, &zp, &names);
    field_covariates(L, 2, "dropout_covariates", n, &zd, &names);
    vo.z_purchase = zp;
    vo.z_dropout = zd;
    vo.failed = &failed;
    b = new_box(L, free_table);
    if ((rc = iv_clv_validate((iv_table **)&b->p, c, x, tx, T, hx, hT, n, &vo)) != IV_OK) {
        const char *msg = iv_error_last();
        if (strncmp(msg, "customer ", 9) != 0)
            return fail(L, rc);
        lua_pushnil(L);
        lua_pushfstring(L, "element %d: %s", (int)failed + 1, msg);
        lua_pushinteger(L, rc);
        return 3;
    }
    return push_result(L, b, 2);
}

static int l_clv_simple(lua_State *L)
{
    double v = 0;
    return c_number(L, iv_clv_simple(luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                                     luaL_checknumber(L, 3), &v), &v);
}

/* --- stats ------------------------------------------------------------------------- */

/* iv.stats_compare(a, b [, {confidence=}]) -> row */
static int l_stats_compare(lua_State *L)
{
    int opts = opts_index(L, 3), rc; /* before numbers() pushes its scratch boxes */
    size_t na, nb;
    double *a = numbers(L, 1, &na), *b = numbers(L, 2, &nb);
    iv_stats_options so;
    box *res;
    iv_stats_options_init(&so, sizeof so);
    opt_number(L, opts, "confidence", &so.confidence);
    res = new_box(L, free_table);
    if ((rc = iv_stats_compare((iv_table **)&res->p, a, na, b, nb, &so)) != IV_OK)
        return fail(L, rc);
    return push_result(L, res, opts);
}

static void push_or_nil(lua_State *L, double v)
{
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
}

/* iv.welch(a, b) -> t, df, p */
static int l_welch(lua_State *L)
{
    size_t na, nb;
    double *a = numbers(L, 1, &na), *b = numbers(L, 2, &nb), t, df, p;
    int rc = iv_stats_welch(a, na, b, nb, &t, &df, &p);
    if (rc != IV_OK)
        return fail(L, rc);
    push_or_nil(L, t);
    push_or_nil(L, df);
    push_or_nil(L, p);
    return 3;
}

/* iv.mwu(a, b) -> u, p, exact */
static int l_mwu(lua_State *L)
{
    size_t na, nb;
    double *a = numbers(L, 1, &na), *b = numbers(L, 2, &nb), u, p;
    int exact = 0, rc = iv_stats_mwu(a, na, b, nb, NULL, &u, &p, &exact);
    if (rc != IV_OK)
        return fail(L, rc);
    push_or_nil(L, u);
    push_or_nil(L, p);
    lua_pushboolean(L, exact);
    return 3;
}

static int l_normal_cdf(lua_State *L)
{
    lua_pushnumber(L, iv_stats_normal_cdf(luaL_checknumber(L, 1)));
    return 1;
}

static int l_t_sf(lua_State *L)
{
    lua_pushnumber(L, iv_stats_t_sf(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));
    return 1;
}

/* --- lifecycle (doc/LIFECYCLE.md) ---------------------------------------------------------- */

/* A duration at stack index idx: integer milliseconds or text such as "14d", "36h",
 * "2w", "30m", "45s" (a bare number is days), as the `iv` tool takes it. */
static int to_duration(lua_State *L, int idx, int64_t *out)
{
    if (lua_isinteger(L, idx)) {
        *out = (int64_t)lua_tointeger(L, idx);
        return IV_OK;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *v = lua_tostring(L, idx);
        char *end;
        double x = strtod(v, &end), unit = 86400000.0;
        if (*end == 's')
            unit = 1000.0;
        else if (*end == 'm')
            unit = 60000.0;
        else if (*end == 'h')
            unit = 3600000.0;
        else if (*end == 'w')
            unit = 7 * 86400000.0;
        if (end != v && x > 0 && x * unit < 9e15 && (!*end || (strchr("smhdw", *end) && !end[1]))) {
            *out = (int64_t)(x * unit + 0.5);
            return IV_OK;
        }
    }
    return luaL_error(L, "iv: a duration is integer milliseconds or text such as '14d', "
                         "'36h', '2w'");
}

static void opt_duration(lua_State *L, int opts, const char *key, int64_t *out)
{
    if (!opts)
        return;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1))
        to_duration(L, lua_gettop(L), out);
    lua_pop(L, 1);
}

/* An option naming one of `names` (its index), left unchanged when absent. */
static void opt_enum(lua_State *L, int opts, const char *key, const char *const *names, int *out)
{
    if (!opts)
        return;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1))
        *out = luaL_checkoption(L, -1, NULL, names);
    lua_pop(L, 1);
}

/* Funnel steps: "a,b|c,d" or {"a", {"b", "c"}, "d"}; the text stays on the stack. */
static const char *funnel_steps(lua_State *L, int opts)
{
    lua_Integer i, j, n, m;
    int t, parts = 0;
    lua_getfield(L, opts, "steps");
    if (lua_type(L, -1) == LUA_TSTRING)
        return lua_tostring(L, -1);
    if (!lua_istable(L, -1))
        luaL_error(L, "iv: funnel needs steps = 'a,b|c' or {'a', {'b', 'c'}}");
    t = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, t);
    if (n > IV_FUNNEL_MAX_STEPS)
        n = IV_FUNNEL_MAX_STEPS + 1; /* enough for the library to refuse with IV_ELIMIT */
    luaL_checkstack(L, (int)(2 * n + 4), "iv: funnel steps");
    for (i = 1; i <= n; i++, parts++) {
        if (i > 1) {
            lua_pushliteral(L, ",");
            parts++;
        }
        if (lua_rawgeti(L, t, i) == LUA_TTABLE) {
            int tt = lua_gettop(L);
            m = (lua_Integer)lua_rawlen(L, tt);
            luaL_checkstack(L, (int)(2 * m + 2), "iv: funnel steps");
            for (j = 1; j <= m; j++) {
                if (j > 1)
                    lua_pushliteral(L, "|");
                lua_rawgeti(L, tt, j);
                luaL_checkstring(L, -1);
            }
            lua_concat(L, (int)(m ? 2 * m - 1 : 0));
            lua_remove(L, tt);
        } else {
            luaL_checkstring(L, -1);
        }
    }
    lua_concat(L, parts);
    return lua_tostring(L, -1);
}

enum { LC_CHURN, LC_COHORTS, LC_FUNNEL, LC_RETENTION, LC_HISTOGRAM, LC_LIFECYCLE, LC_STICKINESS,
       LC_PATHS };

/* ---- partials (doc/SUMMARIES.md section 10) ---- */
#define PARTIAL_MT "iv.partial"

typedef struct lpartial {
    iv_partial *p;
} lpartial;

static iv_partial *check_partial(lua_State *L, int idx)
{
    lpartial *u = luaL_checkudata(L, idx, PARTIAL_MT);
    if (!u->p)
        luaL_error(L, "iv: partial used after close()");
    return u->p;
}

static lpartial *new_partial(lua_State *L)
{
    lpartial *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->p = NULL;
    luaL_setmetatable(L, PARTIAL_MT);
    return u;
}

/* funnel rows: `step` "1", "2", ... as integers, as doc/GUIDE.md §3 and the JSON export write it */
static void funnel_step_integers(lua_State *L, int rows)
{
    lua_Integer r, n = (lua_Integer)lua_rawlen(L, rows);
    for (r = 1; r <= n; r++) {
        lua_rawgeti(L, rows, r);
        lua_getfield(L, -1, "step");
        if (lua_type(L, -1) == LUA_TSTRING && lua_stringtonumber(L, lua_tostring(L, -1)))
            lua_setfield(L, -3, "step");
        lua_pop(L, 2);
    }
}

static int run_lifecycle_at(lua_State *L, int kind, int opts_at, int partial_kind);

static int run_lifecycle(lua_State *L, int kind)
{
    return run_lifecycle_at(L, kind, 2, 0);
}

/* A lifecycle analysis with its options at opts_at; with partial_kind (an
 * iv_partial_kind) the partial of the store instead of the table. */
static int run_lifecycle_at(lua_State *L, int kind, int opts_at, int partial_kind)
{
    static const char *const periods[] = {"week", "month", "day", "quarter", NULL};
    static const char *const modes[] = {"ordered", "strict", "any", NULL};
    static const char *const every[] = {"none", "day", "week", "month", "quarter", NULL};
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, opts_at), rc;
    iv_query_options q;
    iv_lifecycle_options lo;
    box *b;
    iv_lifecycle_options_init(&lo, sizeof lo);
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK ||
        (rc = opt_time(L, opts, "t0", &lo.t0)) != IV_OK ||
        (rc = opt_time(L, opts, "t1", &lo.t1)) != IV_OK)
        return fail(L, rc);
    opt_duration(L, opts, "window", &lo.window);
    opt_enum(L, opts, "period", periods, &lo.period);
    opt_enum(L, opts, "mode", modes, &lo.mode);
    opt_enum(L, opts, "every", every, &lo.every);
    lo.exclude = opt_string(L, opts, "exclude");
    lo.start_types = opt_string(L, opts, "start_types");
    lo.return_types = opt_string(L, opts, "return_types");
    if (opts) {
        lua_getfield(L, opts, "steps");
        if (kind == LC_PATHS && !lua_isnil(L, -1))
            lo.path_steps = (size_t)luaL_checkinteger(L, -1);
        lua_getfield(L, opts, "top");
        if (!lua_isnil(L, -1))
            lo.top = (size_t)luaL_checkinteger(L, -1);
        lua_pop(L, 2);
    }
    if (kind == LC_FUNNEL || kind == LC_HISTOGRAM) {
        if (!opts)
            return luaL_error(L, "iv: funnel needs {steps = ...}");
        lo.steps = funnel_steps(L, opts);
    }
    if (partial_kind) {
        lpartial *u = new_partial(L);
        if ((rc = iv_partial_lifecycle(&u->p, partial_kind, s, &q, &lo)) != IV_OK)
            return fail(L, rc);
        return 1;
    }
    b = new_box(L, free_table);
    if (kind == LC_CHURN)
        rc = iv_lifecycle_churn((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_RETENTION)
        rc = iv_lifecycle_retention((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_COHORTS)
        rc = iv_lifecycle_cohorts((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_HISTOGRAM)
        rc = iv_lifecycle_funnel_histogram((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_LIFECYCLE)
        rc = iv_lifecycle_lifecycle((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_STICKINESS)
        rc = iv_lifecycle_stickiness((iv_table **)&b->p, s, &q, &lo);
    else if (kind == LC_PATHS)
        rc = iv_lifecycle_paths((iv_table **)&b->p, s, &q, &lo);
    else
        rc = iv_lifecycle_funnel((iv_table **)&b->p, s, &q, &lo);
    if (rc != IV_OK)
        return fail(L, rc);
    rc = push_result(L, b, opts);
    if (kind == LC_FUNNEL && lua_istable(L, -1))
        funnel_step_integers(L, lua_gettop(L));
    return rc;
}

/* The CLV input partial: store:partial("clv", {model="bgnbd", calibration_end=, unit=,
 * scoring_model=}) */
static int s_partial_clv(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 3), rc, code;
    const char *m = opt_string(L, opts, "model"), *unit;
    iv_rfm_options o;
    lpartial *u;
    lua_pushstring(L, m ? m : "bgnbd");
    code = clv_model_code(L, -1);
    lua_pop(L, 1);
    iv_rfm_options_init(&o, sizeof o);
    if ((rc = iv_store_prepare(s)) != IV_OK ||
        (rc = opt_time(L, opts, "calibration_end", &o.calibration_end)) != IV_OK)
        return fail(L, rc);
    unit = opt_string(L, opts, "unit");
    if (unit)
        o.unit = strcmp(unit, "day") == 0 ? IV_RFM_DAY : IV_RFM_WEEK;
    o.model = opt_model_at(L, opts, "scoring_model", &rc);
    if (rc != IV_OK)
        return fail(L, rc);
    u = new_partial(L);
    if ((rc = iv_partial_clv(&u->p, code, s, &o)) != IV_OK)
        return fail(L, rc);
    return 1;
}

/* The compare partial: store:partial("compare", {metric=, a=, b=, where=, from=, to=,
 * t_ref=, model=, confidence=}) */
static int s_partial_compare(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 3), rc;
    const char *metric, *a, *b;
    iv_query_options q;
    iv_stats_options so;
    lpartial *u;
    luaL_checktype(L, 3, LUA_TTABLE);
    metric = opt_string(L, opts, "metric");
    a = opt_string(L, opts, "a");
    b = opt_string(L, opts, "b");
    if (!metric || !a || !b)
        return luaL_error(L, "iv: the compare partial needs metric, a and b");
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK)
        return fail(L, rc);
    q.by = NULL;
    iv_stats_options_init(&so, sizeof so);
    opt_number(L, opts, "confidence", &so.confidence);
    u = new_partial(L);
    if ((rc = iv_partial_compare(&u->p, s, &q, metric, a, b, &so)) != IV_OK)
        return fail(L, rc);
    return 1;
}

static int pattern_options(lua_State *L, int opts, iv_pattern_store_options *o,
                           iv_stats_options *st);

/* The norm partial: store:partial("norm", {where=, from=, to=, t_ref=, model=, bucket=,
 * buckets=, align=, origin=, alpha=0.01 (0: exact values)}) */
static int s_partial_norm(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 3), rc;
    iv_query_options q;
    iv_pattern_store_options o;
    iv_stats_options st;
    double alpha = 0.01;
    lpartial *u;
    luaL_checktype(L, 3, LUA_TTABLE);
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK ||
        (rc = pattern_options(L, opts, &o, &st)) != IV_OK)
        return fail(L, rc);
    q.by = NULL;
    opt_number(L, opts, "alpha", &alpha);
    u = new_partial(L);
    if ((rc = iv_partial_norm(&u->p, s, &q, &o, alpha)) != IV_OK)
        return fail(L, rc);
    return 1;
}

/* store:partial(command, {options of store:COMMAND}) -> partial; command: "churn",
 * "retention", "cohorts", "funnel", "lifecycle", "stickiness", "clv" (the options
 * model, calibration_end, unit, scoring_model), "compare" (those of store:compare) or
 * "norm" (those of store:norm, t_ref or to needed with age/calendar alignment, alpha) */
static int s_partial(lua_State *L)
{
    static const char *const names[] = {"churn", "retention", "cohorts", "funnel", "lifecycle",
                                        "stickiness", "clv", "compare", "norm", NULL};
    static const int lc[] = {LC_CHURN, LC_RETENTION, LC_COHORTS, LC_FUNNEL, LC_LIFECYCLE, LC_STICKINESS};
    int i = luaL_checkoption(L, 2, NULL, names);
    if (i == 6)
        return s_partial_clv(L);
    if (i == 7)
        return s_partial_compare(L);
    if (i == 8)
        return s_partial_norm(L);
    return run_lifecycle_at(L, lc[i], 3, i + 1);
}

/* iv.partial_from_bytes(bytes) -> partial */
static int l_partial_from_bytes(lua_State *L)
{
    size_t len;
    const char *b = luaL_checklstring(L, 1, &len);
    iv_summary_options o;
    lpartial *u;
    int rc;
    iv_summary_options_init(&o, sizeof o);
    lua_alloc_options(L, &o.alloc, &o.alloc_ud);
    u = new_partial(L);
    if ((rc = iv_partial_from_bytes(&u->p, b, len, &o)) != IV_OK)
        return fail(L, rc);
    return 1;
}

static int pm_close(lua_State *L)
{
    lpartial *u = luaL_checkudata(L, 1, PARTIAL_MT);
    iv_partial_free(u->p);
    u->p = NULL;
    return 0;
}

/* partial:merge(other) -> partial (itself) */
static int pm_merge(lua_State *L)
{
    int rc = iv_partial_merge(check_partial(L, 1), check_partial(L, 2));
    if (rc != IV_OK)
        return fail(L, rc);
    lua_settop(L, 1);
    return 1;
}

/* partial:to_bytes() -> string */
static int pm_to_bytes(lua_State *L)
{
    iv_partial *p = check_partial(L, 1);
    void *b = NULL;
    size_t n = 0;
    int rc = iv_partial_to_bytes(p, &b, &n);
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushlstring(L, b, n);
    iv_partial_free_bytes(p, b, n);
    return 1;
}

/* partial:result([{format}]) -> rows: those of store:COMMAND on the whole store */
static int pm_result(lua_State *L)
{
    iv_partial *p = check_partial(L, 1);
    int opts = opts_index(L, 2), rc;
    box *b = new_box(L, free_table);
    if ((rc = iv_partial_result((iv_table **)&b->p, p)) != IV_OK)
        return fail(L, rc);
    rc = push_result(L, b, opts);
    if (iv_partial_kind_of(p) == IV_PARTIAL_FUNNEL && lua_istable(L, -1))
        funnel_step_integers(L, lua_gettop(L));
    return rc;
}

/* partial:histogram([{format}]) -> rows: a funnel partial's time-to-convert histogram,
 * those of store:funnel_histogram on the whole store */
static int pm_histogram(lua_State *L)
{
    iv_partial *p = check_partial(L, 1);
    int opts = opts_index(L, 2), rc;
    box *b = new_box(L, free_table);
    if ((rc = iv_partial_funnel_histogram((iv_table **)&b->p, p)) != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

/* partial:clv_fit([{penalizer=}]) -> clv: the fit of a (merged) CLV partial, equal to
 * the fit on the whole store */
static int pm_clv_fit(lua_State *L)
{
    iv_partial *p = check_partial(L, 1);
    int opts = opts_index(L, 2), rc;
    iv_clv_options o = IV_CLV_OPTIONS_INIT;
    iv_clv *c = NULL;
    if (opts) {
        lua_getfield(L, opts, "penalizer");
        if (!lua_isnil(L, -1))
            o.penalizer = luaL_checknumber(L, -1);
        lua_pop(L, 1);
    }
    if ((rc = iv_partial_clv_fit(&c, p, &o)) != IV_OK)
        return fail(L, rc);
    return push_clv(L, c);
}

/* store:churn{t0, t1, window, every = "day"|"week"|"month"|"quarter", by, where, model} */
static int s_churn(lua_State *L) { return run_lifecycle(L, LC_CHURN); }
/* store:retention{...}: churn's table, or with every a retention series */
static int s_retention(lua_State *L) { return run_lifecycle(L, LC_RETENTION); }
/* store:funnel_histogram{steps, mode, window, exclude, by, where, from, to, model} */
static int s_funnel_histogram(lua_State *L) { return run_lifecycle(L, LC_HISTOGRAM); }
/* store:lifecycle{period = "day"|"week"|"month", by, where, from, to, model} */
static int s_lifecycle(lua_State *L) { return run_lifecycle(L, LC_LIFECYCLE); }
/* store:stickiness{period = "week"|"month", by, where, from, to, model} */
static int s_stickiness(lua_State *L) { return run_lifecycle(L, LC_STICKINESS); }
/* store:paths{start_types = "signup", steps = 3, top = 10, by, where, from, to, model} */
static int s_paths(lua_State *L) { return run_lifecycle(L, LC_PATHS); }
/* store:cohorts{period = "week"|"month", start_types, return_types, by, where, from, to, model} */
static int s_cohorts(lua_State *L) { return run_lifecycle(L, LC_COHORTS); }
/* store:funnel{steps, mode, window, exclude = "refund@2-3", by, where, from, to, model} */
static int s_funnel(lua_State *L) { return run_lifecycle(L, LC_FUNNEL); }

static void set_defined(lua_State *L, const char *k, int rc, double v)
{
    if (rc == IV_OK)
        set_num(L, k, v);
}

/* store:clv_predict{model = "bgnbd"|"pareto", calibration_end, unit, scoring_model,
 * horizon, spend, discount} -> rows as `iv clv predict` */
static int s_clv_predict(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc, code, spend = opt_bool(L, opts, "spend");
    const char *m = opt_string(L, opts, "model");
    double horizon = NAN, discount = 0.01, step, v;
    box *bx = new_box(L, free_clv), *bg = new_box(L, free_clv);
    const iv_clv *tx, *gg;
    rfm_data d;
    size_t r;
    lua_pushstring(L, m ? m : "bgnbd");
    code = clv_model_code(L, -1);
    if (code == IV_CLV_GG)
        return luaL_error(L, "iv: clv_predict: the transaction model is bgnbd or pareto");
    opt_number(L, opts, "horizon", &horizon);
    opt_number(L, opts, "discount", &discount);
    if ((rc = rfm_load(L, s, opts, &d)) != IV_OK ||
        (rc = rfm_fit((iv_clv **)&bx->p, code, &d)) != IV_OK ||
        (spend && (rc = rfm_fit((iv_clv **)&bg->p, IV_CLV_GG, &d)) != IV_OK))
        return fail(L, rc);
    tx = bx->p;
    gg = bg->p;
    {
        const char *unit = opt_string(L, opts, "unit");
        double unit_days = unit && strcmp(unit, "day") == 0 ? 1.0 : 7.0;
        if (isnan(horizon))
            horizon = unit_days == 7.0 ? 52.0 : 365.0;
        step = 365.25 / 12.0 / unit_days; /* discounting is monthly */
    }
    lua_createtable(L, (int)d.n, 0);
    for (r = 0; r < d.n; r++) {
        lua_createtable(L, 0, 8);
        lua_pushstring(L, iv_table_get_string(d.t, r, (size_t)iv_table_col_index(d.t, "contact")));
        lua_setfield(L, -2, "contact");
        lua_pushinteger(L, (lua_Integer)d.x[r]);
        lua_setfield(L, -2, "x");
        set_num(L, "t_x", d.t_x[r]);
        set_num(L, "T", d.T[r]);
        rc = iv_clv_p_alive(tx, d.x[r], d.t_x[r], d.T[r], &v);
        set_defined(L, "p_alive", rc, v);
        rc = iv_clv_conditional(tx, horizon, d.x[r], d.t_x[r], d.T[r], &v);
        set_defined(L, "expected_purchases", rc, v);
        if (gg) {
            rc = iv_clv_expected_spend(gg, d.x[r], d.zbar[r], &v);
            set_defined(L, "expected_spend", rc, v);
            rc = iv_clv_value(tx, gg, d.x[r], d.t_x[r], d.T[r], d.zbar[r], horizon,
                              step, discount, &v);
            set_defined(L, "clv", rc, v);
        }
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

/* --- RV patterns (doc/PATTERN.md) ------------------------------------------------------------ */

static const char *const align_names[] = {"age", "calendar", "index", NULL};
static const char *const distance_names[] = {"dtw", "euclidean", NULL};

static size_t opt_count(lua_State *L, int opts, const char *key, size_t dflt)
{
    double d;
    if (!opt_number(L, opts, key, &d))
        return dflt;
    if (!(d >= 0))
        luaL_error(L, "iv: option '%s' must be a count >= 0", key);
    return (size_t)d;
}

/* iv_pattern_store_options and the stats options it may point to, from the table at
 * `opts` (C field names); strings stay referenced by the options table. */
static int pattern_options(lua_State *L, int opts, iv_pattern_store_options *o,
                           iv_stats_options *st)
{
    int rc;
    iv_pattern_store_options_init(o, sizeof *o);
    iv_stats_options_init(st, sizeof *st);
    if (!opts)
        return IV_OK;
    opt_duration(L, opts, "bucket", &o->bucket);
    o->buckets = opt_count(L, opts, "buckets", o->buckets);
    opt_enum(L, opts, "align", align_names, &o->align);
    if ((rc = opt_time(L, opts, "origin", &o->origin)) != IV_OK)
        return rc;
    o->window = opt_count(L, opts, "window", o->window);
    opt_enum(L, opts, "distance", distance_names, &o->distance);
    lua_getfield(L, opts, "prune");
    if (!lua_isnil(L, -1))
        o->prune = lua_toboolean(L, -1);
    lua_pop(L, 1);
    opt_number(L, opts, "anomaly_z", &o->anomaly_z);
    opt_number(L, opts, "quantile", &o->quantile);
    o->all = opt_bool(L, opts, "all");
    o->success = opt_string(L, opts, "success");
    o->top = opt_count(L, opts, "top", 0);
    o->group_a = opt_string(L, opts, "group_a");
    o->group_b = opt_string(L, opts, "group_b");
    opt_number(L, opts, "confidence", &st->confidence);
    o->stats = st;
    return IV_OK;
}

enum { P_TRAJ, P_NORM, P_VS, P_NEAR, P_CMP, P_AB, P_RANK, P_STALL, P_NEXT };

/* Every store-level pattern function: store:f([contact,] {options}). */
static int run_pattern(lua_State *L, int kind)
{
    iv_store *s = check_store(L, 1);
    int has_contact = kind == P_VS || kind == P_NEXT;
    const char *contact = has_contact ? luaL_checkstring(L, 2) : NULL;
    int opts = opts_index(L, has_contact ? 3 : 2), rc;
    iv_query_options q;
    iv_pattern_store_options o;
    iv_stats_options st;
    box *b, *detail = NULL;
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK ||
        (rc = pattern_options(L, opts, &o, &st)) != IV_OK)
        return fail(L, rc);
    if (kind == P_VS)
        detail = new_box(L, free_table);
    b = new_box(L, free_table);
    switch (kind) {
    case P_TRAJ: rc = iv_pattern_trajectories((iv_table **)&b->p, s, &q, &o); break;
    case P_NORM: rc = iv_pattern_norm_of((iv_table **)&b->p, s, &q, &o); break;
    case P_RANK: rc = iv_pattern_rank((iv_table **)&b->p, s, &q, &o); break;
    case P_STALL: rc = iv_pattern_stalled((iv_table **)&b->p, s, &q, &o); break;
    case P_NEXT: rc = iv_pattern_next((iv_table **)&b->p, s, contact, &q, &o); break;
    case P_VS:
        rc = iv_pattern_contact_vs_norm((iv_table **)&b->p, (iv_table **)&detail->p, s,
                                        contact, &q, &o);
        break;
    case P_NEAR: {
        size_t i, n;
        const char **subsets;
        if (!opts || lua_getfield(L, opts, "subsets") != LUA_TTABLE)
            return luaL_error(L, "iv: nearest_norm needs subsets = {expr, ...}");
        n = lua_rawlen(L, -1);
        subsets = scratch(L, n * sizeof *subsets);
        for (i = 0; i < n; i++) {
            lua_rawgeti(L, -2, (lua_Integer)i + 1);
            subsets[i] = luaL_checkstring(L, -1);
            lua_pop(L, 1); /* the subsets table keeps the string */
        }
        rc = iv_pattern_nearest_norm((iv_table **)&b->p, s, &q, subsets, n, &o);
        break;
    }
    case P_CMP: {
        const char *metric = opt_string(L, opts, "metric"), *a = opt_string(L, opts, "where_a"),
                   *bb = opt_string(L, opts, "where_b");
        if (!metric || !a || !bb)
            return luaL_error(L, "iv: segment_compare needs metric, where_a and where_b");
        rc = iv_pattern_compare((iv_table **)&b->p, s, &q, metric, a, bb, &st);
        break;
    }
    default: {
        int64_t t0 = IV_TIME_NONE, t1 = IV_TIME_NONE;
        const char *by = opt_string(L, opts, "by");
        if (!by)
            return luaL_error(L, "iv: ab needs by = dimension, t0 and t1");
        q.by = NULL; /* `by` is the A/B dimension here, not a grouping */
        if ((rc = opt_time(L, opts, "t0", &t0)) == IV_OK &&
            (rc = opt_time(L, opts, "t1", &t1)) == IV_OK)
            rc = iv_pattern_ab((iv_table **)&b->p, s, &q, by, t0, t1, &o);
        break;
    }
    }
    if (rc != IV_OK)
        return fail(L, rc);
    if (kind != P_VS || (rc = push_result(L, b, opts)) != 1)
        return kind != P_VS ? push_result(L, b, opts) : rc;
    return push_result(L, detail, opts) + 1; /* the row, then the per-bucket rows */
}

/* store:trajectories{bucket, buckets, align, origin, where, from, to, model, t_ref} */
static int s_trajectories(lua_State *L) { return run_pattern(L, P_TRAJ); }
/* store:norm{...}: the norm of the subset `where` selects */
static int s_norm(lua_State *L) { return run_pattern(L, P_NORM); }
/* store:contact_vs_norm(contact, {where = norm subset, anomaly_z, ...}) -> row, buckets */
static int s_contact_vs_norm(lua_State *L) { return run_pattern(L, P_VS); }
/* store:nearest_norm{subsets = {...}, window, distance, prune, where, ...} */
static int s_nearest_norm(lua_State *L) { return run_pattern(L, P_NEAR); }
/* store:segment_compare{metric, where_a, where_b, where, from, to, confidence} */
static int s_segment_compare(lua_State *L) { return run_pattern(L, P_CMP); }
/* store:ab{by, t0, t1, group_a, group_b, confidence, where, from, to} */
static int s_ab(lua_State *L) { return run_pattern(L, P_AB); }
/* store:rank{top, where, ...} */
static int s_rank(lua_State *L) { return run_pattern(L, P_RANK); }
/* store:stalled{quantile, all, where, ...} */
static int s_stalled(lua_State *L) { return run_pattern(L, P_STALL); }
/* store:next_best_action(contact, {success, where, ...}) */
static int s_next_best_action(lua_State *L) { return run_pattern(L, P_NEXT); }

/* --- pattern kernels over arrays: iv.pattern.* ---------------------------------------- */

/* Push an array of n numbers, NaN as a nil hole, with n in field `n` (table.pack). */
static void push_numbers(lua_State *L, const double *v, size_t n)
{
    size_t i;
    lua_createtable(L, (int)n, 1);
    for (i = 0; i < n; i++)
        if (!isnan(v[i])) {
            lua_pushnumber(L, v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    lua_pushinteger(L, (lua_Integer)n);
    lua_setfield(L, -2, "n");
}

/* An array of equal-length series at idx as one row-major scratch matrix. */
static double *series_matrix(lua_State *L, int idx, size_t *rows, size_t *len)
{
    size_t r, i, n, k = 0;
    double *m;
    luaL_checktype(L, idx, LUA_TTABLE);
    n = lua_rawlen(L, idx);
    for (r = 0; r < n; r++) {
        size_t kr;
        lua_rawgeti(L, idx, (lua_Integer)r + 1);
        numbers(L, lua_gettop(L), &kr);
        lua_pop(L, 2);
        if (r > 0 && kr != k)
            luaL_error(L, "iv: every series must have the same length");
        k = kr;
    }
    m = scratch(L, n * k * sizeof *m);
    for (r = 0; r < n; r++) {
        double *row;
        size_t kr;
        lua_rawgeti(L, idx, (lua_Integer)r + 1);
        row = numbers(L, lua_gettop(L), &kr);
        for (i = 0; i < k; i++)
            m[r * k + i] = row[i];
        lua_pop(L, 2);
    }
    *rows = n;
    *len = k;
    return m;
}

static void kernel_options(lua_State *L, int opts, iv_pattern_options *o)
{
    iv_pattern_options_init(o, sizeof *o);
    o->window = opt_count(L, opts, "window", o->window);
    opt_number(L, opts, "anomaly_z", &o->anomaly_z);
    opt_enum(L, opts, "distance", distance_names, &o->distance);
    if (opts) {
        lua_getfield(L, opts, "prune");
        if (!lua_isnil(L, -1))
            o->prune = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
}

static double *series_pair(lua_State *L, double **y, size_t *n)
{
    size_t ny;
    double *x = numbers(L, 1, n);
    *y = numbers(L, 2, &ny);
    if (ny != *n)
        luaL_error(L, "iv: the two series have different lengths");
    return x;
}

/* iv.pattern.euclidean(x, y) -> distance (nil when nothing is comparable) */
static int l_euclidean(lua_State *L)
{
    size_t n;
    double *y, *x = series_pair(L, &y, &n);
    push_or_nil(L, iv_pattern_euclidean(x, y, n));
    return 1;
}

/* iv.pattern.dtw(x, y [, {window, cutoff}]) -> distance (math.huge when abandoned) */
static int l_dtw(lua_State *L)
{
    int opts = opts_index(L, 3), rc;
    size_t n;
    double *y, *x = series_pair(L, &y, &n), d = 0, cutoff = HUGE_VAL;
    iv_pattern_options o;
    kernel_options(L, opts, &o);
    opt_number(L, opts, "cutoff", &cutoff);
    if ((rc = iv_pattern_dtw(&d, x, y, n, cutoff, &o)) != IV_OK)
        return fail(L, rc);
    push_or_nil(L, d);
    return 1;
}

/* iv.pattern.envelope(y [, {window}]) -> lower, upper */
static int l_envelope(lua_State *L)
{
    int opts = opts_index(L, 2), rc;
    size_t n;
    double *y = numbers(L, 1, &n), *lo = scratch(L, n * sizeof *lo),
           *up = scratch(L, n * sizeof *up);
    iv_pattern_options o;
    kernel_options(L, opts, &o);
    if ((rc = iv_pattern_envelope(lo, up, y, n, &o)) != IV_OK)
        return fail(L, rc);
    push_numbers(L, lo, n);
    push_numbers(L, up, n);
    return 2;
}

/* iv.pattern.lb_keogh(x, lower, upper) -> bound */
static int l_lb_keogh(lua_State *L)
{
    size_t n, nl, nu;
    double *x = numbers(L, 1, &n), *lo = numbers(L, 2, &nl), *up = numbers(L, 3, &nu);
    if (nl != n || nu != n)
        return luaL_error(L, "iv: x, lower and upper must have the same length");
    push_or_nil(L, iv_pattern_lb_keogh(x, lo, up, n));
    return 1;
}

/* iv.pattern.nearest(queries, norms [, {distance, window, prune}]) -> indices (1-based,
 * nil when nothing is comparable), distances */
static int l_nearest(lua_State *L)
{
    int opts = opts_index(L, 3), rc;
    size_t nq, nk, kq, kn, i;
    double *q = series_matrix(L, 1, &nq, &kq), *nm = series_matrix(L, 2, &nk, &kn), *dist;
    int64_t *idx;
    iv_pattern_options o;
    if (nq && nk && kq != kn)
        return luaL_error(L, "iv: queries and norms have different lengths");
    kernel_options(L, opts, &o);
    idx = scratch(L, nq * sizeof *idx);
    dist = scratch(L, nq * sizeof *dist);
    if ((rc = iv_pattern_nearest(idx, dist, q, nq, nm, nk, nq ? kq : kn, &o)) != IV_OK)
        return fail(L, rc);
    lua_createtable(L, (int)nq, 1);
    for (i = 0; i < nq; i++)
        if (idx[i] >= 0) {
            lua_pushinteger(L, (lua_Integer)idx[i] + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    lua_pushinteger(L, (lua_Integer)nq);
    lua_setfield(L, -2, "n");
    push_numbers(L, dist, nq);
    return 2;
}

/* iv.pattern.norm(trajectories [, {format}]) -> rows per bucket */
static int l_pattern_norm(lua_State *L)
{
    int opts = opts_index(L, 2), rc;
    size_t n, k;
    double *traj = series_matrix(L, 1, &n, &k);
    box *b = new_box(L, free_table);
    if ((rc = iv_pattern_norm((iv_table **)&b->p, traj, n, k, NULL)) != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

/* iv.pattern.vs_norm(x, trajectories [, {anomaly_z}]) -> row, z (per bucket) */
static int l_vs_norm(lua_State *L)
{
    int opts = opts_index(L, 3), rc;
    size_t k, n, kt;
    double *x = numbers(L, 1, &k), *traj = series_matrix(L, 2, &n, &kt), *z;
    iv_pattern_options o;
    box *b;
    if (n && kt != k)
        return luaL_error(L, "iv: x and the trajectories have different lengths");
    kernel_options(L, opts, &o);
    z = scratch(L, k * sizeof *z);
    b = new_box(L, free_table);
    if ((rc = iv_pattern_vs_norm((iv_table **)&b->p, z, x, traj, n, k, &o)) != IV_OK)
        return fail(L, rc);
    if ((rc = push_result(L, b, opts)) != 1)
        return rc;
    push_numbers(L, z, k);
    return 2;
}

/* --- summaries (doc/SUMMARIES.md) ---------------------------------------------------------------- */

typedef struct lsummary {
    iv_summary *s;
} lsummary;

static iv_summary *check_summary(lua_State *L, int idx)
{
    lsummary *u = luaL_checkudata(L, idx, SUMMARY_MT);
    if (!u->s)
        luaL_error(L, "iv: summary used after close()");
    return u->s;
}

/* A new summary userdata (empty handle) on the stack. */
static lsummary *new_summary(lua_State *L)
{
    lsummary *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->s = NULL;
    luaL_setmetatable(L, SUMMARY_MT);
    return u;
}

static void summary_options(lua_State *L, int opts, iv_summary_options *o)
{
    iv_summary_options_init(o, sizeof *o);
    lua_alloc_options(L, &o->alloc, &o->alloc_ud);
    opt_number(L, opts, "alpha", &o->alpha);
}

/* store:summary{by, where, from, to, model, t_ref, alpha} -> summary */
static int s_summary(lua_State *L)
{
    iv_store *s = check_store(L, 1);
    int opts = opts_index(L, 2), rc;
    iv_query_options q;
    iv_summary_options o;
    lsummary *u;
    if ((rc = iv_store_prepare(s)) != IV_OK || (rc = query_options(L, opts, &q)) != IV_OK)
        return fail(L, rc);
    summary_options(L, opts, &o);
    u = new_summary(L);
    if ((rc = iv_summary_make(&u->s, s, &q, &o)) != IV_OK)
        return fail(L, rc);
    return 1;
}

/* iv.summary_load(path) / iv.summary_from_bytes(bytes) -> summary */
static int summary_read(lua_State *L, int from_bytes)
{
    size_t len;
    const char *arg = luaL_checklstring(L, 1, &len);
    iv_summary_options o;
    lsummary *u;
    int rc;
    summary_options(L, 0, &o);
    u = new_summary(L);
    rc = from_bytes ? iv_summary_from_bytes(&u->s, arg, len, &o)
                    : iv_summary_load(&u->s, arg, &o);
    if (rc != IV_OK)
        return fail(L, rc);
    return 1;
}

static int l_summary_load(lua_State *L) { return summary_read(L, 0); }
static int l_summary_from_bytes(lua_State *L) { return summary_read(L, 1); }

static int sm_close(lua_State *L)
{
    lsummary *u = luaL_checkudata(L, 1, SUMMARY_MT);
    iv_summary_free(u->s);
    u->s = NULL;
    return 0;
}

/* summary:merge(other) -> summary (itself) */
static int sm_merge(lua_State *L)
{
    int rc = iv_summary_merge(check_summary(L, 1), check_summary(L, 2));
    if (rc != IV_OK)
        return fail(L, rc);
    lua_settop(L, 1);
    return 1;
}

static int sm_groups(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)iv_summary_groups(check_summary(L, 1)));
    return 1;
}

/* summary:to_bytes() -> string */
static int sm_to_bytes(lua_State *L)
{
    iv_summary *s = check_summary(L, 1);
    void *p = NULL;
    size_t n = 0;
    int rc = iv_summary_to_bytes(s, &p, &n);
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushlstring(L, p, n);
    iv_summary_free_bytes(s, p, n);
    return 1;
}

static int sm_save(lua_State *L)
{
    int rc = iv_summary_save(check_summary(L, 1), luaL_checkstring(L, 2));
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

/* summary:metrics([{format}]) -> rows (those of store:metrics with the same query) */
static int sm_metrics(lua_State *L)
{
    iv_summary *s = check_summary(L, 1);
    int opts = opts_index(L, 2), rc;
    box *b = new_box(L, free_table);
    if ((rc = iv_summary_metrics((iv_table **)&b->p, s)) != IV_OK)
        return fail(L, rc);
    return push_result(L, b, opts);
}

static size_t group_index(lua_State *L, int idx)
{
    lua_Integer g = luaL_checkinteger(L, idx);
    return g >= 1 ? (size_t)(g - 1) : (size_t)-1; /* 0 or less: out of range (IV_ERANGE) */
}

/* summary:quantile(group, metric [, p = 0.5]) -> value (group 1-based) */
static int sm_quantile(lua_State *L)
{
    double v = 0;
    int rc = iv_summary_quantile(check_summary(L, 1), group_index(L, 2), luaL_checkstring(L, 3),
                                 luaL_optnumber(L, 4, 0.5), &v);
    if (rc != IV_OK)
        return fail(L, rc);
    push_or_nil(L, v);
    return 1;
}

/* summary:compare(group, other, other_group, metric [, {confidence, format}]) -> row */
static int sm_compare(lua_State *L)
{
    iv_summary *a = check_summary(L, 1), *b = check_summary(L, 3);
    int opts = opts_index(L, 6), rc;
    iv_stats_options so;
    box *res;
    iv_stats_options_init(&so, sizeof so);
    opt_number(L, opts, "confidence", &so.confidence);
    res = new_box(L, free_table);
    if ((rc = iv_summary_compare((iv_table **)&res->p, a, group_index(L, 2), b,
                                 group_index(L, 4), luaL_checkstring(L, 5), &so)) != IV_OK)
        return fail(L, rc);
    return push_result(L, res, opts);
}

/* iv.partition_of(contact, nparts) -> part in [0, nparts) (FNV-1a 64, as iv partition) */
static int l_partition_of(lua_State *L)
{
    size_t len;
    const char *c = luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= (lua_Integer)UINT32_MAX, 2, "a number of parts");
    lua_pushinteger(L, (lua_Integer)iv_partition_of(c, len, (uint32_t)n));
    return 1;
}

/* --- module functions -------------------------------------------------------------- */

static int l_version(lua_State *L)
{
    lua_pushstring(L, iv_version_string());
    return 1;
}

static int l_parse_time(lua_State *L)
{
    int64_t t;
    int rc;
    luaL_checkstring(L, 1);
    if ((rc = to_time(L, 1, &t)) != IV_OK)
        return fail(L, rc);
    lua_pushinteger(L, (lua_Integer)t);
    return 1;
}

static int l_format_time(lua_State *L)
{
    char buf[48];
    int rc = iv_time_format((int64_t)luaL_checkinteger(L, 1), buf, sizeof buf);
    if (rc != IV_OK)
        return fail(L, rc);
    lua_pushstring(L, buf);
    return 1;
}

static int l_strerror(lua_State *L)
{
    lua_pushstring(L, iv_strerror((int)luaL_checkinteger(L, 1)));
    return 1;
}

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction gc)
{
    luaL_newmetatable(L, name);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__close");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
}

IV_LUA_EXPORT int luaopen_iv(lua_State *L)
{
    static const luaL_Reg store_methods[] = {
        {"ingest", s_ingest},
        {"save", s_save},
        {"append", s_append},
        {"rows", s_rows},
        {"contacts", s_contacts},
        {"time_range", s_time_range},
        {"dims", s_dims},
        {"row", s_row},
        {"metrics", s_metrics},
        {"period_compare", s_period_compare},
        {"drill", s_drill},
        {"contacts_table", s_contacts_table},
        {"compare", s_compare},
        {"rfm", s_rfm},
        {"clv_fit", s_clv_fit},
        {"clv_validate", s_clv_validate},
        {"maturity", s_maturity},
        {"churn", s_churn},
        {"partial", s_partial},
        {"retention", s_retention},
        {"cohorts", s_cohorts},
        {"funnel", s_funnel},
        {"funnel_histogram", s_funnel_histogram},
        {"lifecycle", s_lifecycle},
        {"stickiness", s_stickiness},
        {"paths", s_paths},
        {"clv_predict", s_clv_predict},
        {"trajectories", s_trajectories},
        {"norm", s_norm},
        {"contact_vs_norm", s_contact_vs_norm},
        {"nearest_norm", s_nearest_norm},
        {"segment_compare", s_segment_compare},
        {"ab", s_ab},
        {"rank", s_rank},
        {"stalled", s_stalled},
        {"next_best_action", s_next_best_action},
        {"summary", s_summary},
        {"close", s_close},
        {NULL, NULL}};
    static const luaL_Reg model_methods[] = {
        {"set_type", m_set_type},
        {"set_channel", m_set_channel},
        {"set_param", m_set_param},
        {"get_param", m_get_param},
        {"type_info", m_type_info},
        {"channel_info", m_channel_info},
        {"to_string", m_to_string},
        {"close", m_close},
        {NULL, NULL}};
    static const luaL_Reg clv_methods[] = {
        {"params", c_params},
        {"expected", c_expected},
        {"conditional", c_conditional},
        {"p_alive", c_p_alive},
        {"expected_spend", c_expected_spend},
        {"pmf", c_pmf},
        {"survival", c_survival},
        {"retention", c_retention},
        {"residual_lifetime", c_residual},
        {"for_customer", c_for_customer},
        {"validate", c_validate},
        {"close", c_close},
        {NULL, NULL}};
    static const luaL_Reg functions[] = {
        {"version", l_version},
        {"load", l_load},
        {"store", l_store},
        {"model", l_model},
        {"model_parse", l_model_parse},
        {"clv_fit", l_clv_fit},
        {"clv_new", l_clv_new},
        {"clv_simple", l_clv_simple},
        {"stats_compare", l_stats_compare},
        {"welch", l_welch},
        {"mwu", l_mwu},
        {"normal_cdf", l_normal_cdf},
        {"t_sf", l_t_sf},
        {"parse_time", l_parse_time},
        {"format_time", l_format_time},
        {"strerror", l_strerror},
        {"warnings", l_warnings},
        {"summary_load", l_summary_load},
        {"summary_from_bytes", l_summary_from_bytes},
        {"partial_from_bytes", l_partial_from_bytes},
        {"partition_of", l_partition_of},
        {NULL, NULL}};
    static const luaL_Reg summary_methods[] = {
        {"merge", sm_merge},
        {"groups", sm_groups},
        {"to_bytes", sm_to_bytes},
        {"save", sm_save},
        {"metrics", sm_metrics},
        {"quantile", sm_quantile},
        {"compare", sm_compare},
        {"close", sm_close},
        {NULL, NULL}};
    static const luaL_Reg partial_methods[] = {
        {"merge", pm_merge},
        {"to_bytes", pm_to_bytes},
        {"result", pm_result},
        {"clv_fit", pm_clv_fit},
        {"histogram", pm_histogram},
        {"close", pm_close},
        {NULL, NULL}};
    static const luaL_Reg pattern_functions[] = {
        {"euclidean", l_euclidean},
        {"dtw", l_dtw},
        {"envelope", l_envelope},
        {"lb_keogh", l_lb_keogh},
        {"nearest", l_nearest},
        {"norm", l_pattern_norm},
        {"vs_norm", l_vs_norm},
        {NULL, NULL}};

    new_class(L, STORE_MT, store_methods, s_gc);
    lua_pushcfunction(L, s_close);
    lua_setfield(L, -2, "__close");
    {
        const luaL_Reg *m;
        lua_getfield(L, -1, "__index");
        for (m = store_methods; m->name; m++) {
            if (strcmp(m->name, "close") == 0)
                continue;
            lua_pushcfunction(L, m->func);
            lua_pushcclosure(L, store_guarded, 1);
            lua_setfield(L, -2, m->name);
        }
        lua_pop(L, 1);
    }
    lua_pushcfunction(L, s_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, s_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    new_class(L, MODEL_MT, model_methods, m_close);
    lua_pushcfunction(L, m_eq);
    lua_setfield(L, -2, "__eq");
    lua_pop(L, 1);
    new_class(L, CLV_MT, clv_methods, c_close);
    lua_pop(L, 1);
    new_class(L, PARTIAL_MT, partial_methods, pm_close);
    lua_pop(L, 1);
    new_class(L, SUMMARY_MT, summary_methods, sm_close);
    lua_pushcfunction(L, sm_groups);
    lua_setfield(L, -2, "__len");
    lua_pop(L, 1);
    luaL_newmetatable(L, BOX_MT);
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);

    luaL_newlib(L, functions);
    luaL_newlib(L, pattern_functions);
    lua_setfield(L, -2, "pattern");
    lua_pushstring(L, iv_version_string());
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
