// Copies what the build does not compile next to its output, so dist/ runs without the source
// tree: proto/ (the gRPC definitions) and the web console's static files.
import { cpSync, existsSync } from 'node:fs';

if (existsSync('proto')) cpSync('proto', 'dist/proto', { recursive: true });
cpSync('src/console/assets', 'dist/console/assets', { recursive: true });
