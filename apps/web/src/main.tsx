import { render } from 'preact';
import { z } from 'zod';
import { Link, Redirect, Route, Router, Switch } from 'wouter-preact';
import './styles.css';
import { AuditPage } from './pages/audit';
import { AuditsPage } from './pages/audits';
import { ComparePage } from './pages/compare';
import { GatePage } from './pages/gate';
import { HistoryPage } from './pages/history';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';

// zod's JIT compiles validators with new Function, which the dashboard's CSP (no 'unsafe-eval') forbids
z.config({ jitless: true });

function Nav() {
  return (
    <header class="top">
      <Link href="/runs" class="brand">
        Leakproof
      </Link>
      <nav aria-label="pages">
        <Link href="/runs">Runs</Link>
        <Link href="/history">History</Link>
        <Link href="/audits">Audits</Link>
        <Link href="/gate">Gate</Link>
      </nav>
    </header>
  );
}

function App() {
  return (
    <Router>
      <Nav />
      <main>
        <Switch>
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:id">{(p) => <RunPage id={Number(p.id)} />}</Route>
          <Route path="/compare" component={ComparePage} />
          <Route path="/history" component={HistoryPage} />
          <Route path="/audits" component={AuditsPage} />
          <Route path="/audits/:id">{(p) => <AuditPage id={Number(p.id)} />}</Route>
          <Route path="/gate" component={GatePage} />
          <Route path="/">
            <Redirect to="/runs" />
          </Route>
          <Route>
            <p class="error">no such page</p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
