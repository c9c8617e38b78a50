export default definePageConfig({ navigationBarTitleText: '申请额度' });
