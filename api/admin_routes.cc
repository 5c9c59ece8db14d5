#include "api/admin_routes.h"

#include "api/http_util.h"
#include "api/openapi.h"
#include "api/paging.h"

namespace gov::api {

namespace {

AuditContext Audit(const RequestContext& ctx) { return {ctx.Actor(), ctx.request_id}; }

}  // namespace

void AddAdminRoutes(Router& router, AdminService& service) {
  router.Add({"POST",
              "/api/v1/tokens",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto created = service.CreateToken(Audit(ctx), *body);
                if (!created.ok()) return WriteError(res, created.status());
                core::Json out = TokenToJson(created->token);
                out["secret"] = created->secret;
                res.SetHeader("Location", "/api/v1/tokens/" + created->token.id);
                WriteJson(res, 201, out);
              },
              {"Create an API token (the secret is shown once)",
               "auth",
               core::Json{{"type", "object"},
                          {"required", {"type", "name"}},
                          {"additionalProperties", false},
                          {"properties",
                           {{"type", {{"enum", {"admin", "client", "frontend"}}}},
                            {"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}},
                            {"environment", {{"type", "string"}, {"default", "development"}}},
                            {"expiresAt", {{"type", "string"}, {"format", "date-time"}}}}}},
               {{201, RefSchema("CreatedToken")}, {400, ErrorSchema()}},
               {}}});

  router.Add({"GET",
              "/api/v1/tokens",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, Response& res) {
                auto page = ReadPage(ctx.req, 50);
                if (!page.ok()) return WriteError(res, page.status());
                auto tokens = service.ListTokens(*page);
                if (!tokens.ok()) return WriteError(res, tokens.status());
                // Written directly, without a JSON DOM: this is the hot admin read.
                std::string body;
                body.reserve(256 * (tokens->items.size() + 1));
                core::JsonWriter w(body);
                w.BeginObject().Key("items").BeginArray();
                for (const auto& t : tokens->items) WriteTokenJson(w, t);
                w.EndArray().Key("nextCursor");
                if (tokens->next_cursor.empty()) {
                  w.Null();
                } else {
                  w.String(tokens->next_cursor);
                }
                w.EndObject();
                res.SetContent(std::move(body), "application/json");
                res.status = 200;
              },
              {"List tokens (never their secrets)",
               "auth",
               nullptr,
               {{200, PageSchema(RefSchema("Token"))}, {400, ErrorSchema()}},
               {"limit", "cursor"}}});

  router.Add({"DELETE",
              "/api/v1/tokens/{id}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, Response& res) {
                auto version = IfMatchVersion(ctx.req);
                if (!version.ok()) return WriteError(res, version.status());
                auto revoked = service.RevokeToken(Audit(ctx), ctx.PathParam(0), *version);
                if (!revoked.ok()) return WriteError(res, revoked.status());
                res.status = 204;
              },
              {"Revoke a token, with immediate effect",
               "auth",
               nullptr,
               {{204, nullptr}, {404, ErrorSchema()}, {409, ErrorSchema()}},
               {}}});

  router.Add(
      {"GET",
       "/api/v1/environments",
       Access::kAdmin,
       "admin",
       [&service](RequestContext&, Response& res) {
         auto envs = service.ListEnvironments();
         if (!envs.ok()) return WriteError(res, envs.status());
         core::Json items = core::Json::array();
         for (const auto& e : *envs) items.push_back({{"name", e.name}});
         WriteJson(res, 200, {{"items", items}});
       },
       {"List environments",
        "auth",
        nullptr,
        {{200,
          {{"type", "object"},
           {"properties", {{"items", {{"type", "array"}, {"items", RefSchema("Environment")}}}}}}}},
        {}}});

  router.Add(
      {"POST",
       "/api/v1/environments",
       Access::kAdmin,
       "admin",
       [&service](RequestContext& ctx, Response& res) {
         auto body = ParseBody(ctx.req);
         if (!body.ok()) return WriteError(res, body.status());
         auto env = service.CreateEnvironment(Audit(ctx), *body);
         if (!env.ok()) return WriteError(res, env.status());
         WriteJson(res, 201, {{"name", env->name}});
       },
       {"Add an environment",
        "auth",
        core::Json{{"type", "object"},
                   {"required", {"name"}},
                   {"additionalProperties", false},
                   {"properties",
                    {{"name", {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9_-]{0,62}$"}}}}}},
        {{201, RefSchema("Environment")}, {400, ErrorSchema()}, {409, ErrorSchema()}},
        {}}});

  router.Add({"GET",
              "/api/v1/audit",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, Response& res) {
                auto page = ReadPage(ctx.req, 50);
                if (!page.ok()) return WriteError(res, page.status());
                WritePage(res, service.ListAudit(*page, ctx.req.Param("resource")),
                          AuditEntryToJson);
              },
              {"The audit log, newest first",
               "audit",
               nullptr,
               {{200, PageSchema(RefSchema("AuditEntry"))}, {400, ErrorSchema()}},
               {"limit", "cursor", "resource"}}});
}

}  // namespace gov::api
