// Routes API, with the response shapes mailgun.js unwraps:
// routes.list → body.items, routes.get/create → body.route, routes.update/destroy → body as is.
import { randomBytes } from 'node:crypto';
import { first } from './form.js';
import { paged } from './list.js';
import type { ApiReply, ApiRequest, Route } from './types.js';

export function listRoutes(routes: Route[], query: Record<string, string | undefined>): ApiReply {
  return paged(routes, query);
}

export function getRoute(routes: Route[], id: string): ApiReply {
  const route = routes.find((r) => r.id === id);
  return route ? { status: 200, body: { route } } : notFound();
}

export function createRoute(routes: Route[], req: ApiRequest): ApiReply {
  const expression = first(req.form, 'expression');
  const actions = req.form.fields.action ?? [];
  if (!expression) return { status: 400, body: { message: "'expression' parameter is missing" } };
  if (actions.length === 0) return { status: 400, body: { message: "'action' parameter is missing" } };
  const route: Route = {
    id: randomBytes(12).toString('hex'),
    priority: Number(first(req.form, 'priority') ?? 0),
    description: first(req.form, 'description') ?? '',
    expression,
    actions,
    created_at: new Date().toUTCString(),
  };
  routes.push(route);
  return { status: 200, body: { message: 'Route has been created', route } };
}

export function updateRoute(routes: Route[], id: string, req: ApiRequest): ApiReply {
  const route = routes.find((r) => r.id === id);
  if (!route) return notFound();
  const { form } = req;
  const priority = first(form, 'priority');
  if (priority !== undefined) route.priority = Number(priority);
  route.description = first(form, 'description') ?? route.description;
  route.expression = first(form, 'expression') ?? route.expression;
  if (form.fields.action?.length) route.actions = form.fields.action;
  return { status: 200, body: { ...route, message: 'Route has been updated' } };
}

export function deleteRoute(routes: Route[], id: string): ApiReply {
  const index = routes.findIndex((r) => r.id === id);
  if (index < 0) return notFound();
  routes.splice(index, 1);
  return { status: 200, body: { id, message: 'Route has been deleted' } };
}

function notFound(): ApiReply {
  return { status: 404, body: { message: 'Route not found' } };
}
