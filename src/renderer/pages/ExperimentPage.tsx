export function ExperimentPage() {
  return (
    <section aria-labelledby="experiment-title">
      <header className="page-header">
        <h1 id="experiment-title">Experiment</h1>
      </header>
    </section>
  )
}
