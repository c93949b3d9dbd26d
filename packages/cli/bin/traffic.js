#!/usr/bin/env node
// Committed launcher so npm links `traffic` at install time; the code lives in the built dist/.
import '../dist/bin.js';
