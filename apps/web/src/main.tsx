import { render, type VNode } from 'preact';
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
import { ErrorBox } from './components/status';

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

/** A page of one record by its id; `/runs/abc` is no id, answered in the API's words rather than as `run NaN`. */
function byId(raw: string, what: 'run' | 'audit', page: (id: number) => VNode) {
  if (/^[1-9][0-9]{0,9}$/.test(raw)) return page(Number(raw));
  return <ErrorBox title={`${what === 'run' ? 'Run' : 'Audit'} ${raw}`} error={new Error(`no ${what} ${raw}`)} />;
}

function App() {
  return (
    <Router>
      <Nav />
      <main>
        <Switch>
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:id">{(p) => byId(p.id, 'run', (id) => <RunPage id={id} />)}</Route>
          <Route path="/compare" component={ComparePage} />
          <Route path="/history" component={HistoryPage} />
          <Route path="/audits" component={AuditsPage} />
          <Route path="/audits/:id">{(p) => byId(p.id, 'audit', (id) => <AuditPage id={id} />)}</Route>
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
