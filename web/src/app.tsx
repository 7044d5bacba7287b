export function App() {
  return <main>Changeledger</main>;
}
