#include "api/internal/admin_routes.h"

#include "api/internal/http_util.h"
#include "api/internal/paging.h"

namespace gov::api {

void AddAdminRoutes(Router& router, AdminService& service) {
  router.Add({"POST", "/api/v1/tokens", Access::kAdmin, RateClass::kAdmin,
              [&service](RequestContext& ctx, Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto created = service.CreateToken(ctx.Actor(), *body);
                if (!created.ok()) return WriteError(res, created.status());
                core::Json out = TokenToJson(created->token);
                out["secret"] = created->secret;
                res.SetHeader("Location", "/api/v1/tokens/" + created->token.id);
                WriteJson(res, 201, out);
              }});

  router.Add({"GET", "/api/v1/tokens", Access::kAdmin, RateClass::kAdmin,
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
              }});

  router.Add({"DELETE", "/api/v1/tokens/{id}", Access::kAdmin, RateClass::kAdmin,
              [&service](RequestContext& ctx, Response& res) {
                auto version = IfMatchVersion(ctx.req);
                if (!version.ok()) return WriteError(res, version.status());
                auto revoked = service.RevokeToken(ctx.Actor(), ctx.PathParam(0), *version);
                if (!revoked.ok()) return WriteError(res, revoked.status());
                res.status = 204;
              }});

  router.Add({"GET", "/api/v1/environments", Access::kAdmin, RateClass::kAdmin,
              [&service](RequestContext&, Response& res) {
                auto envs = service.ListEnvironments();
                if (!envs.ok()) return WriteError(res, envs.status());
                core::Json items = core::Json::array();
                for (const auto& e : *envs) items.push_back({{"name", e.name}});
                WriteJson(res, 200, {{"items", items}});
              }});

  router.Add({"POST", "/api/v1/environments", Access::kAdmin, RateClass::kAdmin,
              [&service](RequestContext& ctx, Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto env = service.CreateEnvironment(ctx.Actor(), *body);
                if (!env.ok()) return WriteError(res, env.status());
                WriteJson(res, 201, {{"name", env->name}});
              }});

  router.Add({"GET", "/api/v1/audit", Access::kAdmin, RateClass::kAdmin,
              [&service](RequestContext& ctx, Response& res) {
                auto page = ReadPage(ctx.req, 50);
                if (!page.ok()) return WriteError(res, page.status());
                WritePage(res, service.ListAudit(*page, ctx.req.Param("resource")),
                          AuditEntryToJson);
              }});
}

}  // namespace gov::api
