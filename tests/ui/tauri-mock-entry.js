// Test-only entry, bundled to an IIFE by harness.mjs and injected before the app loads: gives the
// fake backend mockIPC (with event mocking) and a mocked "main" window/webview label.
import { mockIPC, mockWindows, clearMocks } from '@tauri-apps/api/mocks';

window.__TAURI_MOCKS__ = { mockIPC, mockWindows, clearMocks };
