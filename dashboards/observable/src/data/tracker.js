// What every data loader shares: the tracker's address (TRACKER_URL, default the `make run`
// server) and a fetch that fails the build, naming the URL, when the tracker does not answer.
export const TRACKER_URL = (process.env.TRACKER_URL || "http://127.0.0.1:8000").replace(/\/+$/, "");

export async function read(path) {
  const url = `${TRACKER_URL}/api/v1/${path}`;
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`The tracker is not answering at ${TRACKER_URL} (start it with \`make run\`): ${error.message}`);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.text();
}
