/// The operator console's files, compiled in (no CDN, no build step). The page holds no data: it
/// asks for the admin token, keeps it in sessionStorage and sends it with every API call.
enum ConsoleAssets {
    static let page = Array(#"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>hookrouter</title>
    <link rel="stylesheet" href="/console.css">
    </head>
    <body>
    <form id="login" hidden>
      <h1>hookrouter</h1>
      <label for="token">Admin token</label>
      <input id="token" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
      <p id="login-error" role="alert"></p>
    </form>
    <div id="app" hidden>
      <header>
        <strong>hookrouter</strong>
        <nav>
          <a href="#overview">Overview</a><a href="#deliveries">Deliveries</a><a href="#dead">Dead letters</a>
          <a href="#targets">Targets</a><a href="#sources">Sources</a><a href="#config">Config</a><a href="#live">Live</a>
        </nav>
        <button id="logout" type="button">Sign out</button>
      </header>
      <main id="view" aria-live="polite"></main>
    </div>
    <div id="dialog" hidden><div class="box"><p id="dialog-text"></p><button id="dialog-yes" type="button">Replay</button> <button id="dialog-no" type="button">Cancel</button></div></div>
    <script src="/console.js"></script>
    </body>
    </html>
    """#.utf8)

    static let style = Array(#"""
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: #1d232b; background: #f5f6f8; }
    header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; background: #1d232b; color: #fff; }
    header nav { display: flex; flex-wrap: wrap; gap: 4px; flex: 1; }
    header nav a { color: #cfd6df; text-decoration: none; padding: 4px 8px; border-radius: 4px; }
    header nav a.on { background: #3a4452; color: #fff; }
    main { padding: 16px; max-width: 1200px; margin: 0 auto; }
    h1 { font-size: 20px; } h2 { font-size: 16px; margin: 18px 0 8px; }
    table { width: 100%; border-collapse: collapse; background: #fff; }
    th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; word-break: break-word; }
    th { background: #eef0f3; font-size: 12px; }
    tr.click { cursor: pointer; } tr.click:hover { background: #f0f4ff; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; }
    .card { background: #fff; padding: 12px; border-radius: 6px; } .card b { display: block; font-size: 22px; }
    .bad { color: #b42318; } .good { color: #1f7a45; }
    .filters { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 10px; } .filters input, .filters select { padding: 5px; }
    button { padding: 5px 10px; border: 1px solid #9aa5b1; background: #fff; border-radius: 4px; cursor: pointer; }
    pre { background: #fff; padding: 10px; overflow: auto; max-height: 240px; }
    #login { max-width: 340px; margin: 12vh auto; background: #fff; padding: 24px; border-radius: 8px; display: grid; gap: 10px; }
    #login[hidden], #app[hidden], #dialog[hidden] { display: none; }
    #login-error { color: #b42318; min-height: 1em; }
    #dialog { position: fixed; inset: 0; background: rgba(0,0,0,.35); display: flex; align-items: center; justify-content: center; }
    #dialog .box { background: #fff; padding: 18px; border-radius: 8px; max-width: 420px; }
    svg.chart { width: 100%; height: 160px; background: #fff; }
    svg.chart .ev { fill: #4a78c2; } svg.chart .dl { fill: #8fc1a9; } svg.chart .fa { fill: #d9534f; }
    .legend span { margin-right: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
    .legend .ev-key { background: #4a78c2; } .legend .dl-key { background: #8fc1a9; } .legend .fa-key { background: #d9534f; }
    @media (max-width: 640px) { th:nth-child(n+5), td:nth-child(n+5) { display: none; } main { padding: 8px; } }
    """#.utf8)
}
