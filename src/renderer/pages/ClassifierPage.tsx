// Placeholder until the classifier page lands (owned by the classifier work).
export function ClassifierPage() {
  return (
    <section>
      <h1>Classifier</h1>
    </section>
  )
}
