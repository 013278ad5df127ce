// Fails fast, in plain words, when npm scripts run on a Node that is too old.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(`This platform needs Node >= 22.13 (found ${process.version}). Run it through scripts/dev.sh, which brings Node 24 from the npm registry.`);
  process.exit(1);
}
