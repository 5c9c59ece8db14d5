#pragma once

#include "api/router.h"

namespace gov::api {

// The web console at /ui/ (no token: the page asks for one and calls the REST API with it):
// GET /ui redirects to /ui/; GET /ui/ and /ui/{path} serve the embedded build, index.html for
// a path that is not a file (client-side routes). A 404 JSON error on every route when the
// console was not built. With GOVERNOR_CONSOLE_DIR set, the files of that directory (a `vite
// build` output, FILE.gz beside FILE for the compressed variant) are served instead, read once.
void AddUiRoutes(Router& router);

}  // namespace gov::api
