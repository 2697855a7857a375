import type { FastifyInstance } from 'fastify';

/**
 * The page at `/`: what Epitrace is, in plain words, and where to go from here. Static HTML with the web UI's style
 * sheet and no script, served with the same security headers (CSP) as the app and the dashboard.
 */
export const LANDING_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Epitrace: contact tracing for public health</title>
  <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/assets/styles.css">
  <style>
    .links { list-style: none; padding: 0; margin: 0; }
    .links li + li { margin-top: 0.75rem; }
    .links a { display: inline-block; padding: 0.5rem 0; font-weight: 600; }
    .links p { margin: 0; }
  </style>
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <header class="topbar"><p class="brand">Epitrace</p></header>
  <main id="main" tabindex="-1">
    <h1>Contact tracing for public health</h1>
    <p>Epitrace helps a health department find the people exposed to an infectious disease and tell them quickly.
      Residents keep a private record of where they were and whom they were near; when someone falls ill, the people
      who were close to them are told when, where, for how long, and what to do. Health professionals follow cases and
      their contacts; epidemiologists watch the epidemic: the case curve, the reproduction number and new clusters.</p>
    <section class="card" aria-labelledby="people">
      <h2 id="people">For people</h2>
      <ul class="links">
        <li><a href="/app/">The app for residents</a>
          <p>Record places and contacts, report symptoms, and be told about an exposure.</p></li>
        <li><a href="/dashboard/">The dashboard for staff</a>
          <p>Health professionals, authorities and administrators sign in here.</p></li>
      </ul>
    </section>
    <section class="card" aria-labelledby="developers">
      <h2 id="developers">For developers and operators</h2>
      <ul class="links">
        <li><a href="/docs">API documentation</a>
          <p>Every endpoint, with its parameters and answers.</p></li>
        <li><a href="/openapi.json">OpenAPI document</a>
          <p>The API described for code generators and linters.</p></li>
        <li><a href="/healthz">Health check</a>
          <p>Answers while the server is running.</p></li>
      </ul>
    </section>
  </main>
</body>
</html>
`;

/** GET / answers the landing page (hidden from the API document: it is not part of the API). */
export function registerLanding(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(LANDING_PAGE),
  );
}
