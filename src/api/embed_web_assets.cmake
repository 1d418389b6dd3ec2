# Run as `cmake -DWEB_DIR=... -DOUT=... -P embed_web_assets.cmake`: writes a .cpp defining
# stagecast::api::embedded_web_assets() with every file the Studio and Viewer pages need (docs/web.md):
#   WEB_DIR/*.html                              served as pages (see web_routes.cpp)
#   WEB_DIR/static/**                           served under /static/...
#   WEB_DIR/node_modules/hls.js/dist/...        the pinned player, under
#                                               /static/vendor/hls.js/<version>/ (immutable)
#   WEB_DIR/node_modules/uplot/dist/...         the pinned charts (Studio analytics), under
#                                               /static/vendor/uplot/<version>/ (immutable)
# In HTML files, @HLS_JS_VERSION@ and @UPLOT_VERSION@ become the pinned versions. Text files are also embedded
# gzip-compressed when that is smaller. The output goes to the build directory; never committed.

set(hls_dir ${WEB_DIR}/node_modules/hls.js)
if(NOT EXISTS ${hls_dir}/package.json OR NOT EXISTS ${hls_dir}/dist/hls.min.js)
  message(FATAL_ERROR "web/node_modules/hls.js is missing: run `npm ci` in ${WEB_DIR} "
                      "(scripts/install-deps.sh, run.sh and test.sh do) before building")
endif()
file(READ ${hls_dir}/package.json hls_package)
string(JSON hls_version GET "${hls_package}" version)
file(READ ${WEB_DIR}/package.json web_package)
string(JSON hls_pinned GET "${web_package}" dependencies hls.js)
if(NOT hls_version STREQUAL hls_pinned)
  message(FATAL_ERROR "web/node_modules/hls.js is ${hls_version} but web/package.json pins "
                      "${hls_pinned}: run `npm ci` in ${WEB_DIR}")
endif()

set(uplot_dir ${WEB_DIR}/node_modules/uplot)
if(NOT EXISTS ${uplot_dir}/package.json OR NOT EXISTS ${uplot_dir}/dist/uPlot.iife.min.js)
  message(FATAL_ERROR "web/node_modules/uplot is missing: run `npm ci` in ${WEB_DIR} before building")
endif()
file(READ ${uplot_dir}/package.json uplot_package)
string(JSON uplot_version GET "${uplot_package}" version)
string(JSON uplot_pinned GET "${web_package}" dependencies uplot)
if(NOT uplot_version STREQUAL uplot_pinned)
  message(FATAL_ERROR "web/node_modules/uplot is ${uplot_version} but web/package.json pins "
                      "${uplot_pinned}: run `npm ci` in ${WEB_DIR}")
endif()

get_filename_component(out_dir ${OUT} DIRECTORY)
set(work_dir ${out_dir}/web_assets.tmp)
file(REMOVE_RECURSE ${work_dir})
file(MAKE_DIRECTORY ${work_dir})

# name -> source file, in a stable order.
set(names "")
file(GLOB pages RELATIVE ${WEB_DIR} ${WEB_DIR}/*.html)
file(GLOB_RECURSE statics RELATIVE ${WEB_DIR} ${WEB_DIR}/static/*)
foreach(f ${pages} ${statics})
  list(APPEND names "/${f}")
  set(source_of_/${f} ${WEB_DIR}/${f})
endforeach()
foreach(f hls.min.js hls.worker.js)
  set(name "/static/vendor/hls.js/${hls_version}/${f}")
  list(APPEND names ${name})
  set(source_of_${name} ${hls_dir}/dist/${f})
endforeach()
# Apache-2.0 asks for the licence to travel with the code.
set(name "/static/vendor/hls.js/${hls_version}/LICENSE.txt")
list(APPEND names ${name})
set(source_of_${name} ${hls_dir}/LICENSE)
foreach(f uPlot.iife.min.js uPlot.min.css)
  set(name "/static/vendor/uplot/${uplot_version}/${f}")
  list(APPEND names ${name})
  set(source_of_${name} ${uplot_dir}/dist/${f})
endforeach()
set(name "/static/vendor/uplot/${uplot_version}/LICENSE.txt")  # MIT: the notice travels along
list(APPEND names ${name})
set(source_of_${name} ${uplot_dir}/LICENSE)
list(SORT names)

function(content_type_of name out)
  get_filename_component(ext ${name} LAST_EXT)
  string(TOLOWER "${ext}" ext)
  set(types_.html "text/html; charset=utf-8")
  set(types_.js "text/javascript; charset=utf-8")
  set(types_.mjs "text/javascript; charset=utf-8")
  set(types_.css "text/css; charset=utf-8")
  set(types_.svg "image/svg+xml")
  set(types_.png "image/png")
  set(types_.ico "image/x-icon")
  set(types_.webmanifest "application/manifest+json")
  set(types_.txt "text/plain; charset=utf-8")
  set(types_.woff2 "font/woff2")
  if(NOT DEFINED types_${ext})
    # A guessed type would be sniffed around by nosniff anyway; refuse instead.
    message(FATAL_ERROR "web asset ${name}: no content type known for '${ext}'")
  endif()
  set(${out} "${types_${ext}}" PARENT_SCOPE)
endfunction()

# Bytes of a file as a C array initialiser, 32 bytes a line. A gzip member's MTIME (bytes 4..7,
# RFC 1952 section 2.3) is zeroed so that the output depends on the content alone.
function(c_bytes file out)
  file(READ ${file} hex HEX)
  if(file MATCHES "\\.gz$")
    string(SUBSTRING "${hex}" 0 8 head)
    string(SUBSTRING "${hex}" 16 -1 tail)
    set(hex "${head}00000000${tail}")
  endif()
  string(REGEX REPLACE "(................................................................)" "\\1\n"
         hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  set(${out} "${hex}" PARENT_SCOPE)
endfunction()

set(arrays "")
set(entries "")
set(index 0)
foreach(name ${names})
  set(source ${source_of_${name}})
  content_type_of(${name} type)
  file(SIZE ${source} size)
  if(size EQUAL 0)
    message(FATAL_ERROR "web asset ${name} is empty")
  endif()
  if(name MATCHES "\\.html$")
    file(READ ${source} html)
    string(REPLACE "@HLS_JS_VERSION@" "${hls_version}" html "${html}")
    string(REPLACE "@UPLOT_VERSION@" "${uplot_version}" html "${html}")
    set(source ${work_dir}/${index}.html)
    file(WRITE ${source} "${html}")
  endif()
  file(SHA256 ${source} digest)
  string(SUBSTRING ${digest} 0 20 etag)
  c_bytes(${source} bytes)
  string(APPEND arrays "constexpr unsigned char k${index}[] = {\n${bytes}};\n")
  set(gz_entry "{}")
  if(type MATCHES "^text/|svg|json")
    set(gz ${work_dir}/${index}.gz)
    file(ARCHIVE_CREATE OUTPUT ${gz} PATHS ${source} FORMAT raw COMPRESSION GZip
         COMPRESSION_LEVEL 9)
    file(SIZE ${gz} gz_size)
    math(EXPR gz_scaled "${gz_size} * 10")
    math(EXPR size_scaled "${size} * 9")
    if(gz_scaled LESS size_scaled)  # at least 10% smaller
      c_bytes(${gz} gz_bytes)
      string(APPEND arrays "constexpr unsigned char k${index}gz[] = {\n${gz_bytes}};\n")
      set(gz_entry "k${index}gz")
    endif()
  endif()
  string(APPEND entries
         "    {\"${name}\", \"${type}\", \"\\\"${etag}\\\"\", k${index}, ${gz_entry}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(REMOVE_RECURSE ${work_dir})

set(content "// Generated by src/api/embed_web_assets.cmake from web/, web/node_modules/hls.js and uplot.
#include \"api/web_assets.h\"

namespace stagecast::api {
namespace {
${arrays}
constexpr WebAsset kAssets[] = {
${entries}};
}  // namespace

std::span<const WebAsset> embedded_web_assets() { return kAssets; }
std::string_view embedded_hls_js_version() { return \"${hls_version}\"; }

}  // namespace stagecast::api
")

# Rewrite only on change so unchanged assets do not trigger a rebuild.
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE ${OUT} "${content}")
