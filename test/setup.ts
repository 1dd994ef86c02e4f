import { installSdkRecorder } from './support/iam/sdk-recorder.js';

// Quiet the handlers' structured logs in tests; a test that wants them sets the level itself.
process.env.SLUICE_LOG_LEVEL ??= 'silent';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// aws-cdk-lib checks every synthesized template against the CloudFormation resource schemas
// (its built-in validation plugin), which is most of a synth's time. The template tests assert
// their own rules; the schema check runs where the template is made for real: `npm run synth`
// and cfn-lint in .ci/run. cdk-nag and the stack's own validations still run here.
process.env.CDK_VALIDATION ??= 'false';
// Every SDK command can be recorded (and answered) by a test: the IAM contract test drives the adapters through it.
installSdkRecorder();
