import { installSdkRecorder } from './support/iam/sdk-recorder.js';

// Quiet the handlers' structured logs in tests; a test that wants them sets the level itself.
process.env.SLUICE_LOG_LEVEL ??= 'silent';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Every SDK command can be recorded (and answered) by a test: the IAM contract test drives the adapters through it.
installSdkRecorder();
