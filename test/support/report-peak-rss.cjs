// Loaded with `node --require` by runCliPeakRss: reports the peak RSS (KiB) on stderr as the process exits.
process.on('exit', () => process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`))
