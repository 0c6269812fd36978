// Copies proto/ next to the build output so dist/ runs without the source tree.
import { cpSync, existsSync } from 'node:fs';

if (existsSync('proto')) cpSync('proto', 'dist/proto', { recursive: true });
