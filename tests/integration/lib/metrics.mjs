// A Prometheus series of the server's /metrics, summed over its labels (or one exact series:
// pass `name{label="value"}`).
export async function metric(srv, name) {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) total += Number(line.split(' ').pop());
  }
  return total;
}
