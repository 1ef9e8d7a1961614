-- LuaRocks: the Lua 5.4 module `iv` over an installed libiv (headers and libiv.so.1, e.g.
-- after `meson install`). From the repository's top folder:
--   luarocks make bindings/lua/libiv-1.2.0-1.rockspec            (LIBIV_DIR=/usr/local by default)
--   luarocks make bindings/lua/libiv-1.2.0-1.rockspec LIBIV_DIR=/opt/libiv
-- The version is the project's (meson.build); the `version` test compares them.
rockspec_format = "3.0"
package = "libiv"
version = "1.2.0-1"
source = {
   -- `luarocks make` builds from the checked-out tree; a published rock names its archive here.
   url = "git+file://.",
}
description = {
   summary = "Interaction Value, Relationship Value and CX analytics over interaction logs",
   detailed = "The Lua binding of libiv: iv.load(path), store:metrics{by = ...}, lifecycle, CLV, patterns, summaries.",
   license = "MIT",
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
external_dependencies = {
   LIBIV = { header = "iv.h", library = "iv" },
}
build = {
   type = "builtin",
   modules = {
      iv = {
         sources = { "bindings/lua/iv.c" },
         libraries = { "iv" },
         incdirs = { "$(LIBIV_INCDIR)" },
         libdirs = { "$(LIBIV_LIBDIR)" },
      },
   },
}
